package collect

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// RetryTransport retries what a cloud API refuses for a moment: HTTP 429,
// 5xx (except 501, which is permanent) and dropped connections. Google's
// generated REST clients do not retry these themselves, and one refused
// page would otherwise skip a whole project.
//
// Waits grow exponentially with full jitter (a random wait between zero and
// the exponential bound) so that many workers throttled together do not
// come back together. A Retry-After header (seconds or an HTTP date) is
// obeyed instead, up to MaxBackoff, so that one server hint cannot stall
// a collection for long. A request is retried only when resending it is
// safe: an idempotent method, or a body that can be produced again
// (req.GetBody). The request's context ends the waiting at once.
type RetryTransport struct {
	Base http.RoundTripper // nil: http.DefaultTransport
	// MaxAttempts counts the first try; 0 means 8.
	MaxAttempts int
	// BaseBackoff bounds the first wait and doubles after each; 0 means
	// 500ms. Tests use milliseconds.
	BaseBackoff time.Duration
	// MaxBackoff bounds every wait, Retry-After included; 0 means 30s.
	MaxBackoff time.Duration
	// Sleep waits d unless ctx ends first; nil sleeps. Tests record waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

// RoundTrip sends req, retrying transient failures.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	attempts := t.MaxAttempts
	if attempts <= 0 {
		attempts = 8
	}
	if !replayable(req) {
		attempts = 1
	}
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(ctx)
			req.Body = body
		}
		resp, err := base.RoundTrip(req)
		if attempt >= attempts || ctx.Err() != nil || !transient(resp, err) {
			return resp, err
		}
		wait := t.backoff(attempt)
		if resp != nil {
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				wait = min(ra, t.maxBackoff())
			}
			// Drain a little so the connection can be reused, then close.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (t *RetryTransport) maxBackoff() time.Duration {
	if t.MaxBackoff > 0 {
		return t.MaxBackoff
	}
	return 30 * time.Second
}

// backoff is the full-jitter wait after the given failed attempt (1-based):
// uniform in [0, min(MaxBackoff, BaseBackoff*2^(attempt-1))].
func (t *RetryTransport) backoff(attempt int) time.Duration {
	b := t.BaseBackoff
	if b <= 0 {
		b = 500 * time.Millisecond
	}
	limit := t.maxBackoff()
	for i := 1; i < attempt && b < limit; i++ {
		b *= 2
	}
	b = min(b, limit)
	return rand.N(b + 1)
}

func (t *RetryTransport) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// replayable: resending cannot do harm or send a consumed body. An
// idempotent method without a body, or any request whose body can be
// produced again (reads sent as POST, like getIamPolicy, have one).
func replayable(req *http.Request) bool {
	if req.GetBody != nil {
		return true
	}
	if req.Body != nil && req.Body != http.NoBody {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// transient tells whether a response or transport error is worth another
// try: throttling, a server error, or a connection dropped underneath.
func transient(resp *http.Response, err error) bool {
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return false
		}
		if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return true
		}
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}
	return resp.StatusCode == http.StatusTooManyRequests ||
		(resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented)
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
