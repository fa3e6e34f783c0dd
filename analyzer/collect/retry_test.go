package collect

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// sleeps records the waits of a RetryTransport without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

// statusServer answers each request with the next status of codes (the
// last one repeats), with Retry-After when header is set.
func statusServer(t *testing.T, header string, codes ...int) (*httptest.Server, *int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		code := codes[min(n, len(codes)-1)]
		n++
		mu.Unlock()
		if b, _ := io.ReadAll(r.Body); r.Method == http.MethodPost && string(b) != "q" {
			code = http.StatusBadRequest // a replayed body must be whole
		}
		if header != "" && code != 200 {
			w.Header().Set("Retry-After", header)
		}
		w.WriteHeader(code)
		io.WriteString(w, "body")
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRetryThrottlingAndServerErrors(t *testing.T) {
	srv, n := statusServer(t, "", 429, 503, 500, 200)
	s := &sleeps{}
	rt := &RetryTransport{BaseBackoff: 10 * time.Millisecond, MaxBackoff: time.Second, Sleep: s.sleep}
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	if *n != 4 || len(s.d) != 3 {
		t.Fatalf("calls %d, waits %v", *n, s.d)
	}
	// Full jitter: each wait is within [0, base*2^(i)].
	for i, d := range s.d {
		if bound := 10 * time.Millisecond << i; d < 0 || d > bound {
			t.Errorf("wait %d is %v, outside [0, %v]", i, d, bound)
		}
	}
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	srv, n := statusServer(t, "", 503)
	rt := &RetryTransport{MaxAttempts: 3, BaseBackoff: time.Millisecond}
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
	if err != nil || resp.StatusCode != 503 || *n != 3 {
		t.Fatalf("want the last 503 after 3 calls: %v %v, %d calls", resp, err, *n)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != "body" {
		t.Errorf("the last response's body should be readable: %q", b)
	}
}

func TestRetryPermanentErrorsAreNotRetried(t *testing.T) {
	for _, code := range []int{400, 403, 404, 501} {
		srv, n := statusServer(t, "", code)
		resp, err := (&http.Client{Transport: &RetryTransport{BaseBackoff: time.Millisecond}}).Get(srv.URL)
		if err != nil || resp.StatusCode != code || *n != 1 {
			t.Errorf("%d: %v %v, %d calls", code, resp, err, *n)
		}
	}
}

func TestRetryAfterHeader(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"3", 3 * time.Second},
		{time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat), 5 * time.Second},
		{"120", time.Minute}, // bounded by MaxBackoff
	} {
		srv, _ := statusServer(t, tc.header, 429, 200)
		s := &sleeps{}
		rt := &RetryTransport{BaseBackoff: time.Millisecond, MaxBackoff: time.Minute, Sleep: s.sleep}
		if _, err := (&http.Client{Transport: rt}).Get(srv.URL); err != nil {
			t.Fatal(err)
		}
		if len(s.d) != 1 || s.d[0] > tc.want || s.d[0] < tc.want-2*time.Second {
			t.Errorf("Retry-After %q: waited %v, want about %v", tc.header, s.d, tc.want)
		}
	}
	if _, ok := retryAfter("soon", time.Now()); ok {
		t.Error("an unreadable Retry-After should be ignored")
	}
}

func TestRetryReplaysBodies(t *testing.T) {
	srv, n := statusServer(t, "", 503, 200)
	c := &http.Client{Transport: &RetryTransport{BaseBackoff: time.Millisecond}}
	// strings.Reader bodies get a GetBody from NewRequest: replayable.
	resp, err := c.Post(srv.URL, "text/plain", strings.NewReader("q"))
	if err != nil || resp.StatusCode != 200 || *n != 2 {
		t.Fatalf("a replayable POST should be retried whole: %v %v, %d calls", resp, err, *n)
	}
	// A body that cannot be produced again is sent once.
	srv2, n2 := statusServer(t, "", 503, 200)
	req, _ := http.NewRequest(http.MethodPost, srv2.URL, io.NopCloser(strings.NewReader("q")))
	resp, err = c.Do(req)
	if err != nil || resp.StatusCode != 503 || *n2 != 1 {
		t.Fatalf("a one-shot POST body must not be resent: %v %v, %d calls", resp, err, *n2)
	}
}

// flaky fails the first calls with a connection reset.
type flaky struct {
	fails int
	calls int
}

func (f *flaky) RoundTrip(req *http.Request) (*http.Response, error) {
	f.calls++
	if f.calls <= f.fails {
		return nil, &netErr{syscall.ECONNRESET}
	}
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

type netErr struct{ err error }

func (e *netErr) Error() string { return "read tcp: " + e.err.Error() }
func (e *netErr) Unwrap() error { return e.err }

func TestRetryConnectionReset(t *testing.T) {
	f := &flaky{fails: 2}
	resp, err := (&http.Client{Transport: &RetryTransport{Base: f, BaseBackoff: time.Millisecond}}).Get("http://example.invalid/")
	if err != nil || resp.StatusCode != 200 || f.calls != 3 {
		t.Fatalf("resets should be retried: %v %v, %d calls", resp, err, f.calls)
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	srv, n := statusServer(t, "", 503)
	ctx, cancel := context.WithCancel(context.Background())
	rt := &RetryTransport{MaxAttempts: 100, BaseBackoff: time.Hour, MaxBackoff: time.Hour}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	_, err := (&http.Client{Transport: rt}).Do(req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if time.Since(start) > 5*time.Second || *n > 2 {
		t.Errorf("cancellation should end the wait at once (%v, %d calls)", time.Since(start), *n)
	}
}
