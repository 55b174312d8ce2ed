#!/usr/bin/env node
// Builds the kubeplay site into web/site/ (see docs/bridge.md for the files).
//
//   node web/build.mjs        (from anywhere; paths are relative to this file)
//
// Inputs: build/engine.wasm, $(go env GOROOT)/lib/wasm/wasm_exec.js (the
// GOROOT environment variable overrides `go env`), wasmworkloads/bin/*.wasm
// (the container images), web/index.html and web/src/*.
// Every asset gets a content hash in its name; compressible files also get
// precompressed .br and .gz siblings when those are smaller.

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const webDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.resolve(webDir, '..');
const srcDir = path.join(webDir, 'src');
const siteDir = path.join(webDir, 'site');
const assetsDir = path.join(siteDir, 'assets');

const COMPRESSIBLE = new Set(['.js', '.css', '.wasm', '.html', '.json', '.svg']);
const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);

class BuildError extends Error {}

const rel = (p) => path.relative(rootDir, p).split(path.sep).join('/');
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

function readInput(file, hint) {
  if (!fs.existsSync(file)) throw new BuildError(`${rel(file)} is missing${hint ? `: ${hint}` : ''}`);
  return fs.readFileSync(file);
}

function checkWasm(file, buf) {
  if (buf.length < 8 || !buf.subarray(0, 4).equals(WASM_MAGIC)) {
    throw new BuildError(`${rel(file)} is not a WebAssembly module`);
  }
}

function findGoRoot() {
  if (process.env.GOROOT) return process.env.GOROOT;
  try {
    return execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    throw new BuildError(`cannot run "go env GOROOT" (${err.code ?? err.message}): install Go or set GOROOT`);
  }
}

// Writes buf as assets/<dir>/<name>-<hash><ext>; returns its site-relative URL.
function writeHashed(buf, dir, name, ext) {
  const file = path.join(assetsDir, dir, `${name}-${sha256(buf).slice(0, 10)}${ext}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, buf);
  return path.relative(siteDir, file).split(path.sep).join('/');
}

function cleanSite() {
  fs.mkdirSync(siteDir, { recursive: true });
  for (const entry of fs.readdirSync(siteDir)) {
    if (entry === '.gitkeep') continue;
    fs.rmSync(path.join(siteDir, entry), { recursive: true, force: true });
  }
}

async function loadEsbuild() {
  try {
    return await import('esbuild');
  } catch {
    throw new BuildError(`esbuild is not installed: run "npm ci" in ${rel(webDir)}/`);
  }
}

// The output file of an entry point, from an esbuild metafile.
function outputOf(metafile, entry) {
  for (const [out, info] of Object.entries(metafile.outputs)) {
    if (info.entryPoint && path.resolve(webDir, info.entryPoint) === entry) return { out, info };
  }
  throw new BuildError(`esbuild produced no output for ${rel(entry)}`);
}

const siteURLOf = (esbuildOut) => path.relative(siteDir, path.resolve(webDir, esbuildOut)).split(path.sep).join('/');

// Compressing the engine with brotli takes minutes; the results are kept
// in build/compress-cache/ by content, so a rebuild after a change to the
// page recompresses only what changed.
const cacheDir = path.join(rootDir, 'build', 'compress-cache');

async function cached(buf, ext, make) {
  const file = path.join(cacheDir, sha256(buf) + ext);
  try {
    return fs.readFileSync(file);
  } catch {
    const out = await make();
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(file + '.tmp', out);
    fs.renameSync(file + '.tmp', file);
    return out;
  }
}

async function compress(file) {
  const buf = fs.readFileSync(file);
  const ext = path.extname(file);
  const params = {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
    [zlib.constants.BROTLI_PARAM_MODE]: ext === '.wasm' ? zlib.constants.BROTLI_MODE_GENERIC : zlib.constants.BROTLI_MODE_TEXT,
  };
  if (buf.length > 4 << 20) params[zlib.constants.BROTLI_PARAM_LGWIN] = 24;
  // KUBEPLAY_NO_BROTLI=1 skips brotli (minutes for a changed engine) in
  // a build made only to try a change; the server then sends gzip.
  const [br, gz] = await Promise.all([
    process.env.KUBEPLAY_NO_BROTLI ? buf : cached(buf, '.br', () => promisify(zlib.brotliCompress)(buf, { params })),
    cached(buf, '.gz', () => promisify(zlib.gzip)(buf, { level: 9, memLevel: 9 })),
  ]);
  const result = { file, raw: buf.length, br: null, gz: null };
  if (br.length < buf.length) {
    fs.writeFileSync(file + '.br', br);
    result.br = br.length;
  }
  if (gz.length < buf.length) {
    fs.writeFileSync(file + '.gz', gz);
    result.gz = gz.length;
  }
  return result;
}

function listFiles(dir) {
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(p));
    else if (entry.name !== '.gitkeep') files.push(p);
  }
  return files.sort();
}

function size(n) {
  if (n == null) return '-';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

function printTable(rows) {
  const head = ['file', 'raw', 'gzip', 'brotli'];
  const lines = rows.map((r) => [path.relative(siteDir, r.file).split(path.sep).join('/'), size(r.raw), size(r.gz), size(r.br)]);
  const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gz: t.gz + (r.gz ?? r.raw), br: t.br + (r.br ?? r.raw) }), { raw: 0, gz: 0, br: 0 });
  lines.push(['total', size(total.raw), size(total.gz), size(total.br)]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  lines.forEach((l, i) => {
    if (i === lines.length - 1) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    console.log(fmt(l));
  });
}

async function main() {
  const started = Date.now();

  // ---- inputs
  const enginePath = path.join(rootDir, 'build', 'engine.wasm');
  const engine = readInput(enginePath, 'run make build');
  checkWasm(enginePath, engine);

  const goroot = findGoRoot();
  const wasmExecPath = path.join(goroot, 'lib', 'wasm', 'wasm_exec.js');
  if (!fs.existsSync(wasmExecPath)) {
    throw new BuildError(`${wasmExecPath} is missing: is GOROOT (${goroot}) a Go 1.24+ installation?`);
  }
  const wasmExec = fs.readFileSync(wasmExecPath);

  const imagesDir = path.join(rootDir, 'wasmworkloads', 'bin');
  const imageFiles = fs.existsSync(imagesDir)
    ? fs.readdirSync(imagesDir).filter((f) => f.endsWith('.wasm')).sort()
    : [];
  if (imageFiles.length === 0) {
    throw new BuildError(`${rel(imagesDir)}/ has no container images (*.wasm): run make build`);
  }
  const images = imageFiles.map((f) => {
    const name = f.slice(0, -'.wasm'.length);
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) throw new BuildError(`${rel(imagesDir)}/${f}: unusable image name "${name}"`);
    const file = path.join(imagesDir, f);
    const buf = fs.readFileSync(file);
    checkWasm(file, buf);
    return { name, buf };
  });

  const template = readInput(path.join(webDir, 'index.html')).toString('utf8');
  const favicon = readInput(path.join(srcDir, 'favicon.svg'));
  for (const f of ['boot.js', 'main.js', 'worker.js', 'lineeditor.js', 'style.css']) readInput(path.join(srcDir, f));

  const esbuild = await loadEsbuild();

  // ---- hashed assets
  cleanSite();
  const engineURL = writeHashed(engine, '', 'engine', '.wasm');
  const wasmExecURL = writeHashed(wasmExec, '', 'wasm_exec', '.js');
  const faviconURL = writeHashed(favicon, '', 'favicon', '.svg');
  const manifest = {};
  for (const { name, buf } of images) {
    manifest[name] = { url: writeHashed(buf, 'images', name, '.wasm'), size: buf.length, sha256: sha256(buf) };
  }

  // ---- scripts
  const common = {
    absWorkingDir: webDir,
    bundle: true,
    minify: !process.env.KUBEPLAY_NO_MINIFY,
    target: 'es2022',
    entryNames: '[name]-[hash]',
    outdir: assetsDir,
    metafile: true,
    legalComments: 'eof',
    logLevel: 'warning',
  };
  const workerEntry = path.join(srcDir, 'worker.js');
  const workerBuild = await esbuild.build({
    ...common,
    entryPoints: [workerEntry],
    format: 'iife',
    define: {
      __ENGINE_URL__: JSON.stringify(engineURL),
      __WASM_EXEC_URL__: JSON.stringify(wasmExecURL),
      __IMAGES__: JSON.stringify(manifest),
    },
  });
  const workerURL = siteURLOf(outputOf(workerBuild.metafile, workerEntry).out);

  // boot.js, the page's first script, starts the worker (index.html).
  const bootEntry = path.join(srcDir, 'boot.js');
  const bootBuild = await esbuild.build({
    ...common,
    entryPoints: [bootEntry],
    format: 'iife',
    define: { __WORKER_URL__: JSON.stringify(workerURL) },
  });
  const bootJSURL = siteURLOf(outputOf(bootBuild.metafile, bootEntry).out);

  const mainEntry = path.join(srcDir, 'main.js');
  // The editor (CodeMirror) is imported on demand, so esbuild splits it
  // into chunks the page fetches once the cluster is up.
  const mainBuild = await esbuild.build({
    ...common,
    entryPoints: [mainEntry],
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    define: { __WORKER_URL__: JSON.stringify(workerURL) },
  });
  const main = outputOf(mainBuild.metafile, mainEntry);
  if (!main.info.cssBundle) throw new BuildError('esbuild produced no CSS for src/main.js');
  const mainJSURL = siteURLOf(main.out);
  const mainCSSURL = siteURLOf(main.info.cssBundle);

  // ---- index.html
  const values = { BOOT_JS: bootJSURL, MAIN_JS: mainJSURL, MAIN_CSS: mainCSSURL, FAVICON: faviconURL };
  const html = template.replace(/\{\{([A-Z_]+)\}\}/g, (m, key) => {
    if (!(key in values)) throw new BuildError(`web/index.html: unknown placeholder ${m}`);
    return values[key];
  });
  for (const key of Object.keys(values)) {
    if (!template.includes(`{{${key}}}`)) throw new BuildError(`web/index.html: placeholder {{${key}}} is missing`);
  }
  // The server's CSP allows no inline script or style.
  if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html) || /<style[\s>]/i.test(html) || /\sstyle\s*=/i.test(html) || /\son[a-z]+\s*=/i.test(html)) {
    throw new BuildError('web/index.html has inline script or style, which the CSP forbids');
  }
  fs.writeFileSync(path.join(siteDir, 'index.html'), html);
  // The embedded form (docs/embed.md) is the same page at another name:
  // the page reads its name and shows only the views its fragment asks for.
  fs.writeFileSync(path.join(siteDir, 'embed.html'), html);

  // ---- the gallery of scenarios (web/scenarios), by stable names, with
  // an index of their titles for the page's picker
  const galleryDir = path.join(webDir, 'scenarios');
  const gallery = fs.existsSync(galleryDir) ? fs.readdirSync(galleryDir).filter((f) => f.endsWith('.yaml')).sort() : [];
  fs.mkdirSync(path.join(siteDir, 'scenarios'), { recursive: true });
  const index = gallery.map((f) => {
    const text = fs.readFileSync(path.join(galleryDir, f), 'utf8');
    fs.writeFileSync(path.join(siteDir, 'scenarios', f), text);
    const title = /^title:\s*(.+)$/m.exec(text)?.[1]?.trim().replace(/^(['"])(.*)\1$/, '$2');
    if (!title) throw new BuildError(`web/scenarios/${f} has no title`);
    return { name: f.slice(0, -'.yaml'.length), title };
  });
  fs.writeFileSync(path.join(siteDir, 'scenarios', 'index.json'), JSON.stringify(index));

  // ---- embed.js: documentation pages load it by a stable name
  await esbuild.build({
    ...common,
    entryPoints: [path.join(srcDir, 'embed.js')],
    format: 'iife',
    entryNames: 'embed',
    outdir: siteDir,
    metafile: false,
  });

  // ---- precompressed siblings
  const files = listFiles(siteDir);
  const results = await Promise.all(
    files.map((f) => (COMPRESSIBLE.has(path.extname(f)) ? compress(f) : { file: f, raw: fs.statSync(f).size, br: null, gz: null })),
  );

  printTable(results);
  console.log(`\nbuilt ${rel(siteDir)}/ in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

main().catch((err) => {
  if (err instanceof BuildError) {
    console.error(`web/build.mjs: ${err.message}`);
  } else {
    console.error('web/build.mjs: build failed');
    console.error(err);
  }
  process.exit(1);
});
