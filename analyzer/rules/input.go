package rules

import (
	"sort"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/imagewarden/imagewarden/analyzer/graph"
	"github.com/imagewarden/imagewarden/analyzer/model"
)

// The rules' input is built as an AST value straight from the Go structs:
// the value OPA would get from their JSON (encoding/json, then decoded as
// JSON), without the JSON. It honours every field's JSON name and
// omitempty, writes null for a nil slice that is not omitempty, and
// replaces each invalid UTF-8 byte of a string with U+FFFD as
// encoding/json does. TestInputValueIsTheJSON fills every field of every
// type below by reflection and compares with the JSON round trip, so a
// field added to the model without its line here fails the tests.

// Object keys, made once and shared by every object.
var (
	kAccess      = ast.StringTerm("access")
	kAccount     = ast.StringTerm("account")
	kActions     = ast.StringTerm("actions")
	kAll         = ast.StringTerm("all")
	kAssumed     = ast.StringTerm("assumed")
	kAudiences   = ast.StringTerm("audiences")
	kCapability  = ast.StringTerm("capability")
	kCloud       = ast.StringTerm("cloud")
	kConditional = ast.StringTerm("conditional")
	kConditions  = ast.StringTerm("conditions")
	kEffect      = ast.StringTerm("effect")
	kExcept      = ast.StringTerm("except")
	kExternal    = ast.StringTerm("external")
	kFacts       = ast.StringTerm("facts")
	kFederation  = ast.StringTerm("federation")
	kFrom        = ast.StringTerm("from")
	kGroups      = ast.StringTerm("groups")
	kID          = ast.StringTerm("id")
	kIssuer      = ast.StringTerm("issuer")
	kKind        = ast.StringTerm("kind")
	kKnown       = ast.StringTerm("known")
	kName        = ast.StringTerm("name")
	kNote        = ast.StringTerm("note")
	kPaths       = ast.StringTerm("paths")
	kPermissions = ast.StringTerm("permissions")
	kPlatform    = ast.StringTerm("platform")
	kPolicy      = ast.StringTerm("policy")
	kPolicyType  = ast.StringTerm("policy_type")
	kPrincipal   = ast.StringTerm("principal")
	kPrincipals  = ast.StringTerm("principals")
	kProvider    = ast.StringTerm("provider")
	kPublic      = ast.StringTerm("public")
	kPublicOnly  = ast.StringTerm("public_only")
	kResource    = ast.StringTerm("resource")
	kResources   = ast.StringTerm("resources")
	kScope       = ast.StringTerm("scope")
	kStatement   = ast.StringTerm("statement")
	kUnusable    = ast.StringTerm("unusable")
	kSteps       = ast.StringTerm("steps")
	kSubjects    = ast.StringTerm("subjects")
	kTags        = ast.StringTerm("tags")
	kTargets     = ast.StringTerm("targets")
	kThrough     = ast.StringTerm("through")
	kTo          = ast.StringTerm("to")
	kType        = ast.StringTerm("type")
	kVia         = ast.StringTerm("via")
	kWorkflows   = ast.StringTerm("workflows")
)

var (
	nullTerm  = ast.NullTerm()
	trueTerm  = ast.BooleanTerm(true)
	falseTerm = ast.BooleanTerm(false)
)

// builder makes the terms of one input. It shares the term of a string
// that recurs (clouds, capabilities, actions, policies, resources): the
// input's strings repeat far more than they differ. A builder is used by
// one goroutine at a time.
type builder struct {
	strs map[string]*ast.Term
}

func newBuilder() *builder { return &builder{strs: map[string]*ast.Term{}} }

// str is the term of a JSON string.
func (b *builder) str(s string) *ast.Term {
	if t, ok := b.strs[s]; ok {
		return t
	}
	t := ast.StringTerm(jsonString(s))
	b.strs[s] = t
	return t
}

func boolTerm(v bool) *ast.Term {
	if v {
		return trueTerm
	}
	return falseTerm
}

// jsonString is s as it comes back from encoding/json: each byte that is
// not part of valid UTF-8 replaced with U+FFFD.
func jsonString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return string(out)
}

// obj collects the pairs of an object.
type obj [][2]*ast.Term

func (o *obj) put(k, v *ast.Term) { *o = append(*o, [2]*ast.Term{k, v}) }

// str, omitempty.
func (b *builder) putStr(o *obj, k *ast.Term, s string) {
	if s != "" {
		o.put(k, b.str(s))
	}
}

// bool, omitempty.
func putBool(o *obj, k *ast.Term, v bool) {
	if v {
		o.put(k, trueTerm)
	}
}

func (o obj) term() *ast.Term { return ast.NewTerm(ast.NewObject(o...)) }

// strings is a []string that is not omitempty: null when nil.
func (b *builder) strings(ss []string) *ast.Term {
	if ss == nil {
		return nullTerm
	}
	ts := make([]*ast.Term, len(ss))
	for i, s := range ss {
		ts[i] = b.str(s)
	}
	return ast.ArrayTerm(ts...)
}

// putStrings is a []string field with omitempty.
func (b *builder) putStrings(o *obj, k *ast.Term, ss []string) {
	if len(ss) > 0 {
		o.put(k, b.strings(ss))
	}
}

// list is a slice that is not omitempty: null when nil.
func list[T any](xs []T, f func(*T) *ast.Term) *ast.Term {
	if xs == nil {
		return nullTerm
	}
	ts := make([]*ast.Term, len(xs))
	for i := range xs {
		ts[i] = f(&xs[i])
	}
	return ast.ArrayTerm(ts...)
}

func (b *builder) principal(p *model.Principal) *ast.Term {
	o := make(obj, 0, 9)
	o.put(kID, b.str(p.ID))
	o.put(kCloud, b.str(p.Cloud))
	o.put(kKind, b.str(p.Kind))
	o.put(kName, b.str(p.Name))
	b.putStr(&o, kAccount, p.Account)
	putBool(&o, kExternal, p.External)
	putBool(&o, kPublic, p.Public)
	b.putStrings(&o, kGroups, p.Groups)
	if len(p.Tags) > 0 {
		o.put(kTags, b.stringMap(p.Tags))
	}
	return o.term()
}

// stringMap is a map[string]string as encoding/json writes it: keys in
// order, and when two keys become the same JSON string the later one
// wins, as decoding the JSON would have it.
func (b *builder) stringMap(m map[string]string) *ast.Term {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	o := ast.NewObjectWithCapacity(len(keys))
	for _, k := range keys {
		o.Insert(b.str(k), b.str(m[k]))
	}
	return ast.NewTerm(o)
}

func (b *builder) resource(r *model.Resource) *ast.Term {
	o := make(obj, 0, 6)
	o.put(kID, b.str(r.ID))
	o.put(kCloud, b.str(r.Cloud))
	o.put(kType, b.str(r.Type))
	o.put(kName, b.str(r.Name))
	b.putStr(&o, kAccount, r.Account)
	b.putStr(&o, kPolicy, r.Policy)
	return o.term()
}

func (b *builder) grant(g *model.Grant) *ast.Term {
	o := make(obj, 0, 7)
	o.put(kPolicyType, b.str(g.PolicyType))
	o.put(kPolicy, b.str(g.Policy))
	b.putStr(&o, kStatement, g.Statement)
	b.putStr(&o, kEffect, g.Effect)
	putBool(&o, kConditional, g.Conditional)
	b.putStrings(&o, kConditions, g.Conditions)
	b.putStr(&o, kNote, g.Note)
	return o.term()
}

func (b *builder) target(t *model.Target) *ast.Term {
	o := make(obj, 0, 9)
	o.put(kResource, b.str(t.Resource))
	o.put(kKnown, boolTerm(t.Known))
	putBool(&o, kAll, t.All)
	o.put(kAccess, b.str(string(t.Access)))
	o.put(kActions, b.strings(t.Actions))
	o.put(kVia, list(t.Via, b.grant))
	b.putStrings(&o, kExcept, t.Except)
	putBool(&o, kPublicOnly, t.PublicOnly)
	b.putStr(&o, kUnusable, t.Unusable)
	return o.term()
}

func (b *builder) fact(f *model.Fact) *ast.Term {
	o := make(obj, 0, 6)
	o.put(kPrincipal, b.str(f.Principal))
	o.put(kCloud, b.str(f.Cloud))
	o.put(kCapability, b.str(f.Capability))
	o.put(kAccess, b.str(string(f.Access)))
	o.put(kActions, b.strings(f.Actions))
	o.put(kTargets, list(f.Targets, b.target))
	return o.term()
}

func (b *builder) edge(e *model.Edge) *ast.Term {
	o := make(obj, 0, 9)
	o.put(kFrom, b.str(e.From))
	o.put(kTo, b.str(e.To))
	o.put(kCloud, b.str(e.Cloud))
	o.put(kKind, b.str(e.Kind))
	o.put(kPermissions, b.strings(e.Permissions))
	if len(e.Via) > 0 {
		o.put(kVia, list(e.Via, b.grant))
	}
	putBool(&o, kConditional, e.Conditional)
	putBool(&o, kAssumed, e.Assumed)
	b.putStr(&o, kNote, e.Note)
	return o.term()
}

func (b *builder) path(p *graph.Path) *ast.Term {
	o := make(obj, 0, 6)
	o.put(kFrom, b.str(p.From))
	o.put(kThrough, b.str(p.Through))
	o.put(kCapability, b.str(p.Capability))
	o.put(kSteps, list(p.Steps, b.edge))
	putBool(&o, kConditional, p.Conditional)
	putBool(&o, kAssumed, p.Assumed)
	return o.term()
}

func (b *builder) federatedTrust(t *model.FederatedTrust) *ast.Term {
	o := make(obj, 0, 11)
	o.put(kCloud, b.str(t.Cloud))
	o.put(kProvider, b.str(t.Provider))
	o.put(kIssuer, b.str(t.Issuer))
	o.put(kPlatform, b.str(t.Platform))
	o.put(kPrincipal, b.str(t.Principal))
	b.putStr(&o, kStatement, t.Statement)
	o.put(kSubjects, b.strings(t.Subjects))
	b.putStrings(&o, kAudiences, t.Audiences)
	b.putStrings(&o, kWorkflows, t.Workflows)
	o.put(kScope, b.str(t.Scope))
	b.putStr(&o, kNote, t.Note)
	return o.term()
}

// input is the rules' input document for in.
func (b *builder) input(in *Input) ast.Value {
	return b.inputWith(in, list(in.Resources, b.resource))
}

// inputWith is the input with the resources' term already made (shared
// by the groups of an evaluation split by principal).
func (b *builder) inputWith(in *Input, resources *ast.Term) ast.Value {
	o := ast.NewObject(
		[2]*ast.Term{kPrincipals, list(in.Principals, b.principal)},
		[2]*ast.Term{kResources, resources},
		[2]*ast.Term{kFacts, list(in.Facts, b.fact)},
		[2]*ast.Term{kPaths, list(in.Paths, b.path)},
	)
	if len(in.Federation) > 0 { // omitempty
		o.Insert(kFederation, list(in.Federation, b.federatedTrust))
	}
	return o
}
