package static

import (
	"log"
	"net/http"
	"time"
)

// logRequests wraps next so that every request is logged to logger as one
// line: method, path, status, bytes written, duration and content encoding
// ("-" for none), e.g.
//
//	GET /assets/engine-3f2a.wasm 200 4812233 12.1ms br
//
// The path is logged escaped, so that a request cannot forge log lines.
func logRequests(next http.Handler, logger *log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		logger.Printf("%s %s %d %d %s %s", r.Method, r.URL.EscapedPath(),
			rec.statusCode(), rec.bytes, time.Since(start).Round(time.Microsecond), rec.encodingName())
	})
}

// recorder is a ResponseWriter that remembers what was answered.
type recorder struct {
	http.ResponseWriter
	status   int
	bytes    int64
	encoding string
}

// WriteHeader records the status and the content encoding, which is final
// once the header is written.
func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
		rec.encoding = rec.Header().Get("Content-Encoding")
	}
	rec.ResponseWriter.WriteHeader(status)
}

// Write counts the bytes of the body.
func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	n, err := rec.ResponseWriter.Write(p)
	rec.bytes += int64(n)
	return n, err
}

// Unwrap gives http.ResponseController access to the underlying writer.
func (rec *recorder) Unwrap() http.ResponseWriter {
	return rec.ResponseWriter
}

// statusCode is the status answered; a handler that writes nothing answers
// 200.
func (rec *recorder) statusCode() int {
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}

// encodingName is the content encoding for the log, "-" for none.
func (rec *recorder) encodingName() string {
	if rec.encoding == "" {
		return "-"
	}
	return rec.encoding
}
