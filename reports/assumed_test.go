package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/imagewarden/imagewarden/analyzer"
)

// Every format says which edges were assumed, and none says so when none
// was; names from the inputs stay inert in the terminal.
func TestEveryFormatNamesAssumedEdges(t *testing.T) {
	withAssumed := func() *analyzer.Report {
		r := hostile("role/x")
		r.Summary.AssumedEdges = 3
		r.Summary.Assumed = []analyzer.AssumedEdges{
			{Cloud: "aws", What: "ec2.amazonaws.com", Scopes: []string{"111122223333", "444455556666"}, Edges: 2},
			{Cloud: "aws", What: "evil\x1b[2J.amazonaws.com", Scopes: []string{"111122223333"}, Edges: 1},
		}
		return r
	}
	for _, format := range []string{"table", "markdown", "html", "sarif"} {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, format, withAssumed()); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, want := range []string{"3 edges drawn without the inventory", "ec2.amazonaws.com (2 accounts, 2 edges)"} {
				if !strings.Contains(out, want) {
					t.Errorf("%s report lacks %q:\n%s", format, want, out)
				}
			}
			// (HTML escapes markup, not control characters: a browser
			// shows no terminal sequence.)
			if format != "html" && strings.Contains(out, "\x1b[2J") {
				t.Errorf("%s report carries a raw escape sequence from a name", format)
			}
			b.Reset()
			if err := Render(&b, format, hostile("role/x")); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(b.String(), "drawn without the inventory") {
				t.Errorf("%s report mentions assumed edges when there are none", format)
			}
		})
	}
}
