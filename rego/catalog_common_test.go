package rego

import (
	"bytes"
	"os"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// testCapability is a capability as every catalog declares it.
type testCapability struct {
	ID          string `yaml:"id"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
}

// testCapabilityIDs are the capabilities every cloud's catalog declares, in
// this order.
var testCapabilityIDs = []string{
	"image.create",
	"image.modify",
	"image.push",
	"image.share",
	"registry.configure",
	"pipeline.modify",
	"iam.escalate",
}

// readTestYAML decodes a YAML file strictly (unknown fields fail) and
// returns its bytes.
func readTestYAML(t *testing.T, path string, v any) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return raw
}

// checkTestCapabilities checks that a catalog declares exactly
// testCapabilityIDs, in order, each once with a title and a description,
// and returns the declared ids.
func checkTestCapabilities(t *testing.T, caps []testCapability) map[string]bool {
	t.Helper()
	declared := map[string]bool{}
	var order []string
	for i, capability := range caps {
		switch {
		case capability.ID == "":
			t.Errorf("capabilities[%d]: empty id", i)
			continue
		case declared[capability.ID]:
			t.Errorf("capability %q declared twice", capability.ID)
		}
		declared[capability.ID] = true
		order = append(order, capability.ID)
		if strings.TrimSpace(capability.Title) == "" {
			t.Errorf("capability %q: empty title", capability.ID)
		}
		if strings.TrimSpace(capability.Description) == "" {
			t.Errorf("capability %q: empty description", capability.ID)
		}
	}
	if strings.Join(order, ",") != strings.Join(testCapabilityIDs, ",") {
		t.Errorf("declared capabilities %v, want exactly %v in that order", order, testCapabilityIDs)
	}
	return declared
}

func testSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
