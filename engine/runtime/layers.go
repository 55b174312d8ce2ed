package runtime

import (
	"io/fs"
	"path"
	"testing/fstest"
	"time"
)

// layers are the files some images carry besides their program, by
// ImageConfig.Layer: what a container of the image finds in its root
// under the kubelet's files and its volumes.
var layers = map[string]fstest.MapFS{
	"nginx": {
		"usr/share/nginx/html/index.html": {Data: []byte(nginxWelcome), Mode: 0o644, ModTime: nginxBuilt},
		"usr/share/nginx/html/50x.html":   {Data: []byte(nginx50x), Mode: 0o644, ModTime: nginxBuilt},
		"etc/nginx/conf.d/default.conf":   {Data: []byte(nginxDefaultConf), Mode: 0o644, ModTime: nginxBuilt},
	},
	// redis's working directory, where it saves dump.rdb (the image
	// declares it a VOLUME, which the kubelet ignores: it is the
	// container's own directory unless a volume is mounted there).
	"redis": {
		"data": {Mode: fs.ModeDir | 0o755, ModTime: redisBuilt},
	},
}

// redisBuilt is when the redis image made /data.
var redisBuilt = time.Date(2025, 10, 3, 18, 27, 55, 0, time.UTC)

// nginxBuilt is when the nginx package the image installs was built: its
// files' modification time (Last-Modified, ETag).
var nginxBuilt = time.Date(2025, 10, 28, 12, 1, 23, 0, time.UTC)

// withLayer is the base image with a layer's files over it.
func withLayer(name string) fs.FS {
	l, ok := layers[name]
	if !ok {
		return baseImage
	}
	m := fstest.MapFS{}
	for k, v := range baseImage {
		m[k] = v
	}
	for k, v := range l {
		m[k] = v
		// The directories a layer makes carry its time, not the zero
		// time fstest gives the ones it infers.
		for d := path.Dir(k); d != "."; d = path.Dir(d) {
			if _, ok := m[d]; !ok {
				m[d] = &fstest.MapFile{Mode: fs.ModeDir | 0o755, ModTime: v.ModTime}
			}
		}
	}
	return m
}

const nginxWelcome = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`

const nginx50x = `<!DOCTYPE html>
<html>
<head>
<title>Error</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
<p>If you are the system administrator of this resource then you should check
the error log for details.</p>
<p><em>Faithfully yours, nginx.</em></p>
</body>
</html>
`

const nginxDefaultConf = `server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    #access_log  /var/log/nginx/host.access.log  main;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    #error_page  404              /404.html;

    # redirect server error pages to the static page /50x.html
    #
    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
`
