package awscollect

import (
	"context"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/imagewarden/imagewarden/analyzer/collect"
)

// collectOrganization writes organization.json in the format of
// docs/inputs.md: the OU tree, the accounts with their parents, and the
// SCPs and RCPs (resource control policies) with their targets. Listing
// RCPs is the same ListPolicies call with another filter; in an
// organization where RCPs are not enabled it lists none. It runs in the management (or delegated
// administrator) account.
func collectOrganization(ctx context.Context, o Options) Scope {
	s := Scope{Name: "organizations"}
	c := organizations.NewFromConfig(o.Config)
	fail := func(op string, err error) Scope {
		s.Error = "organizations:" + op + ": " + errText(err)
		return s
	}
	org, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return fail("DescribeOrganization", err)
	}
	out := map[string]any{
		"Organization": map[string]any{"Id": aws.ToString(org.Organization.Id), "Arn": aws.ToString(org.Organization.Arn),
			"MasterAccountId": aws.ToString(org.Organization.MasterAccountId)},
	}
	var roots, ous, accounts, policies []any
	rp := organizations.NewListRootsPaginator(c, &organizations.ListRootsInput{})
	var queue []string
	for rp.HasMorePages() {
		page, err := rp.NextPage(ctx)
		if err != nil {
			return fail("ListRoots", err)
		}
		for _, r := range page.Roots {
			roots = append(roots, map[string]any{"Id": aws.ToString(r.Id), "Arn": aws.ToString(r.Arn), "Name": aws.ToString(r.Name)})
			queue = append(queue, aws.ToString(r.Id))
		}
	}
	// Walk the tree breadth-first: OUs and accounts of every parent.
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		op := organizations.NewListOrganizationalUnitsForParentPaginator(c, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
		for op.HasMorePages() {
			page, err := op.NextPage(ctx)
			if err != nil {
				return fail("ListOrganizationalUnitsForParent", err)
			}
			for _, ou := range page.OrganizationalUnits {
				ous = append(ous, map[string]any{"Id": aws.ToString(ou.Id), "Arn": aws.ToString(ou.Arn), "Name": aws.ToString(ou.Name), "ParentId": parent})
				queue = append(queue, aws.ToString(ou.Id))
			}
		}
		ap := organizations.NewListAccountsForParentPaginator(c, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
		for ap.HasMorePages() {
			page, err := ap.NextPage(ctx)
			if err != nil {
				return fail("ListAccountsForParent", err)
			}
			for _, a := range page.Accounts {
				accounts = append(accounts, map[string]any{"Id": aws.ToString(a.Id), "Arn": aws.ToString(a.Arn), "Name": aws.ToString(a.Name),
					"Status": string(a.Status), "ParentId": parent})
			}
		}
	}
	for _, filter := range []orgtypes.PolicyType{orgtypes.PolicyTypeServiceControlPolicy, orgtypes.PolicyTypeResourceControlPolicy} {
		pp := organizations.NewListPoliciesPaginator(c, &organizations.ListPoliciesInput{Filter: filter})
		for pp.HasMorePages() {
			page, err := pp.NextPage(ctx)
			if err != nil {
				return fail("ListPolicies", err)
			}
			for _, p := range page.Policies {
				d, err := c.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: p.Id})
				if err != nil {
					return fail("DescribePolicy", err)
				}
				var targets []string
				tp := organizations.NewListTargetsForPolicyPaginator(c, &organizations.ListTargetsForPolicyInput{PolicyId: p.Id})
				for tp.HasMorePages() {
					tpage, err := tp.NextPage(ctx)
					if err != nil {
						return fail("ListTargetsForPolicy", err)
					}
					for _, t := range tpage.Targets {
						targets = append(targets, aws.ToString(t.TargetId))
					}
				}
				policies = append(policies, map[string]any{"Id": aws.ToString(p.Id), "Arn": aws.ToString(p.Arn), "Name": aws.ToString(p.Name),
					"Type": string(p.Type), "AwsManaged": p.AwsManaged, "Content": aws.ToString(d.Policy.Content), "Targets": targets})
			}
		}
	}
	out["Roots"], out["OrganizationalUnits"], out["Accounts"], out["Policies"] = nonNil(roots), nonNil(ous), nonNil(accounts), nonNil(policies)
	if err := collect.WriteJSON(filepath.Join(o.Out, "organization.json"), out); err != nil {
		s.Error = err.Error()
		return s
	}
	s.Files = []string{"organization.json"}
	return s
}

func nonNil(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}
