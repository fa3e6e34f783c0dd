package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/imagewarden/imagewarden/analyzer/diff"
	"github.com/imagewarden/imagewarden/analyzer/model"
	"github.com/imagewarden/imagewarden/analyzer/terraform"
)

// readTerraformPlan builds the sides of diff --plan with package
// terraform, in workDir.
func readTerraformPlan(o *diffOptions, workDir string) (*diffSides, error) {
	p, err := terraform.Read(o.plan, o.context, terraform.Options{SourceDir: o.source, WorkDir: workDir})
	if err != nil {
		return nil, err
	}
	return &diffSides{base: p.Base, head: p.Head, plan: terraformPlan{p}}, nil
}

// terraformPlan is a terraform.Plan as diff needs it.
type terraformPlan struct{ p *terraform.Plan }

// Review lists the values unknown until apply and the changed resources
// not evaluated, each naming its address, and what Read could not do.
func (t terraformPlan) Review() []string {
	var out []string
	for _, u := range t.p.Unknown {
		out = append(out, fmt.Sprintf("%s: %s unknown until apply", u.Address, strings.Join(u.Attributes, ", ")))
	}
	for _, n := range t.p.NotEvaluated {
		if mayGrantAccess(n.Type) {
			out = append(out, fmt.Sprintf("%s: not evaluated (%s)", n.Address, n.Reason))
		}
	}
	for _, w := range t.p.Warnings {
		out = append(out, "plan: "+w)
	}
	return out
}

// Unknown lists the addresses with values unknown until apply.
func (t terraformPlan) Unknown() []string {
	var out []string
	for _, u := range t.p.Unknown {
		out = append(out, u.Address)
	}
	return out
}

// NotEvaluated lists the changed resources not modelled that cannot
// grant access by their kind.
func (t terraformPlan) NotEvaluated() []string {
	var out []string
	for _, n := range t.p.NotEvaluated {
		if !mayGrantAccess(n.Type) {
			out = append(out, n.Address)
		}
	}
	return out
}

// accessWords are parts of resource type names that may grant or
// widen access (IAM, policies, roles, bindings, registries, images,
// identities): a changed resource of such a type the analysis does not
// model needs review; others (a bucket, an instance, a network) are only
// listed.
var accessWords = []string{"iam", "polic", "role", "permission", "access", "member", "binding", "assignment", "registry", "repository",
	"image", "ami", "gallery", "identity", "service_account", "instance_profile", "trust", "grant", "principal", "credential", "key"}

func mayGrantAccess(resourceType string) bool {
	t := strings.ToLower(resourceType)
	for _, w := range accessWords {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// Sources are the Terraform resources a finding rests on, with the file
// and line of each block when --source found it.
func (t terraformPlan) Sources(f *model.Finding) []diff.Source {
	var out []diff.Source
	for _, a := range t.p.Addresses(f) {
		s := diff.Source{Address: a}
		if loc := t.p.Location(a); loc != "" {
			if i := strings.LastIndexByte(loc, ':'); i > 0 {
				if n, err := strconv.Atoi(loc[i+1:]); err == nil {
					s.File, s.Line = loc[:i], n
				}
			}
			if s.File == "" {
				s.File = loc
			}
		}
		out = append(out, s)
	}
	return out
}
