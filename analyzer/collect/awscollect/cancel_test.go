package awscollect

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestCollectInterrupted: Ctrl-C (a cancelled context) in the middle of an
// organisation leaves a consistent snapshot: whole files only, and a
// manifest marked interrupted and incomplete that lists what was not
// collected.
func TestCollectInterrupted(t *testing.T) {
	f := &fakeAWS{throttled: map[string]bool{}, accounts: 12}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Cancel as soon as the first member account's IAM is asked for.
		if r.Header.Get("X-Amz-Target") == "" && r.Method == http.MethodPost {
			r.ParseForm()
			if r.Form.Get("Action") == "GetAccountAuthorizationDetails" {
				once.Do(cancel)
			}
		}
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	out := t.TempDir()
	m, err := Collect(ctx, Options{Out: out, Regions: []string{"us-east-1"}, Config: testConfig(srv.URL), AssumeRole: "ImagewardenAudit", Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Interrupted || m.Complete {
		t.Errorf("manifest: interrupted %v complete %v, want true and false", m.Interrupted, m.Complete)
	}
	notStarted := 0
	for _, s := range m.Skipped {
		if strings.Contains(s.Error, "context canceled") {
			notStarted++
		}
	}
	if notStarted < 10 {
		t.Errorf("%d scopes marked not collected, want most of the 12 accounts: %+v", notStarted, m.Skipped)
	}
	err = filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		if strings.HasSuffix(p, ".tmp") {
			t.Errorf("temporary file left: %s", p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !json.Valid(b) {
			t.Errorf("%s is not whole JSON", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "collection.json"))
	if err != nil || !strings.Contains(string(b), `"interrupted": true`) {
		t.Errorf("collection.json does not say it was interrupted: %v\n%s", err, b)
	}
}
