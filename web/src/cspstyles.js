// Makes xterm.js work under the page's Content Security Policy
// (style-src 'self', without 'unsafe-inline').
//
// xterm.js 6 styles parts of itself at run time in two ways that such a
// policy blocks:
//   * it creates <style> elements and fills them (the DOM renderer's colour
//     classes and cell sizes, the scroll bar's colours); without them the
//     terminal has no colours and wrong line heights;
//   * it calls element.setAttribute('style', …) for cells with 24-bit colours.
// Setting styles through the CSSOM (element.style, constructed style sheets)
// is not governed by CSP, so this module reroutes both there:
//   * document.createElement('style') returns a hidden, inert stand-in
//     element; the text written to its textContent goes into a constructed
//     CSSStyleSheet adopted by the document (or shadow root), and removing
//     the element drops the sheet;
//   * setAttribute('style', css) becomes element.style.cssText = css.
// Under this policy neither a <style> element nor a style attribute set
// from script can ever take effect, so the rerouting changes nothing else.

let installed = false;

export function installCspStyleShim(doc = globalThis.document) {
  if (installed || !doc) return;
  const canConstruct =
    typeof CSSStyleSheet === 'function' &&
    'replaceSync' in CSSStyleSheet.prototype &&
    'adoptedStyleSheets' in doc;
  if (!canConstruct) return; // very old browser: leave xterm.js as it is
  installed = true;

  const createElement = doc.createElement;
  doc.createElement = function (name, options) {
    if (typeof name === 'string' && name.toLowerCase() === 'style') {
      return styleStandIn(doc, createElement);
    }
    return createElement.call(this, name, options);
  };

  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (typeof name === 'string' && name.toLowerCase() === 'style' && this.style) {
      this.style.cssText = String(value);
      return;
    }
    return setAttribute.call(this, name, value);
  };
}

function styleStandIn(doc, createElement) {
  const el = createElement.call(doc, 'kubeplay-style');
  el.hidden = true;
  const sheet = new CSSStyleSheet();
  let text = '';
  let owner = null; // the Document or ShadowRoot that adopted the sheet

  const adopt = () => {
    const root = el.isConnected ? el.getRootNode() : doc;
    if (owner === root) return;
    drop();
    if (root && 'adoptedStyleSheets' in root) {
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
      owner = root;
    }
  };
  const drop = () => {
    if (!owner) return;
    owner.adoptedStyleSheets = owner.adoptedStyleSheets.filter((s) => s !== sheet);
    owner = null;
  };

  Object.defineProperties(el, {
    textContent: {
      configurable: true,
      get: () => text,
      set: (value) => {
        text = value == null ? '' : String(value);
        try {
          sheet.replaceSync(text);
        } catch (err) {
          console.warn('kubeplay: could not apply a style sheet', err);
        }
        adopt();
      },
    },
    sheet: { configurable: true, get: () => sheet },
    remove: {
      configurable: true,
      value() {
        drop();
        Element.prototype.remove.call(el);
      },
    },
  });
  return el;
}
