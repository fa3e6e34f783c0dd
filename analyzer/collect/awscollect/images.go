package awscollect

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/imagewarden/imagewarden/analyzer/collect"
)

// collectImages writes images-REGION.json: the AMIs the account owns,
// disabled ones included, in the shape of `aws ec2 describe-images --owners
// self --include-disabled` with the region added, so that analyze decides
// them exactly, and with each image's
// LaunchPermissions (`aws ec2 describe-image-attribute --attribute
// launchPermission`), who else may launch it. It returns two scopes: the
// images, and their launch permissions, which can be denied on their own
// (ec2:DescribeImageAttribute); an image whose permissions were not read
// has no LaunchPermissions key, which analyze tells from an empty list.
func collectImages(ctx context.Context, o Options, region string) []Scope {
	s := Scope{Name: "ec2-images:" + region}
	sharing := Scope{Name: "ec2-image-sharing:" + region}
	c := ec2.NewFromConfig(o.Config, func(opt *ec2.Options) { opt.Region = region })
	var owned []ec2types.Image
	// Disabled AMIs are left out unless asked for, even for their owner;
	// whoever may re-enable one (ec2:EnableImage) may write it.
	p := ec2.NewDescribeImagesPaginator(c, &ec2.DescribeImagesInput{Owners: []string{"self"}, IncludeDisabled: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.Error = "ec2:DescribeImages: " + errText(err)
			return []Scope{s}
		}
		owned = append(owned, page.Images...)
	}
	sort.Slice(owned, func(i, j int) bool { return aws.ToString(owned[i].ImageId) < aws.ToString(owned[j].ImageId) })
	images := []any{}
	for _, im := range owned {
		m := map[string]any{"ImageId": aws.ToString(im.ImageId), "OwnerId": aws.ToString(im.OwnerId), "Name": aws.ToString(im.Name),
			"CreationDate": aws.ToString(im.CreationDate), "State": string(im.State), "Public": aws.ToBool(im.Public)}
		if sharing.Error == "" {
			perms, err := launchPermissions(ctx, c, aws.ToString(im.ImageId))
			if err != nil {
				// Denied for one image is denied for all: stop asking, keep
				// the images.
				sharing.Error = fmt.Sprintf("ec2:DescribeImageAttribute %s: %s", aws.ToString(im.ImageId), errText(err))
			} else {
				m["LaunchPermissions"] = perms
			}
		}
		images = append(images, m)
	}
	name := "images-" + region + ".json"
	if err := collect.WriteJSON(filepath.Join(o.Out, name), map[string]any{"Region": region, "Images": images}); err != nil {
		s.Error = err.Error()
		return []Scope{s}
	}
	s.Files = []string{name}
	if sharing.Error == "" {
		sharing.Files = []string{name}
	}
	return []Scope{s, sharing}
}

// launchPermissions is the launchPermission attribute of an AMI in the
// CLI's shape: UserId, Group ("all" is public), OrganizationArn or
// OrganizationalUnitArn, one per entry, sorted.
func launchPermissions(ctx context.Context, c *ec2.Client, imageID string) ([]any, error) {
	out, err := c.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(imageID), Attribute: ec2types.ImageAttributeNameLaunchPermission})
	if err != nil {
		return nil, err
	}
	type perm struct{ key, value string }
	var perms []perm
	for _, lp := range out.LaunchPermissions {
		switch {
		case lp.Group != "":
			perms = append(perms, perm{"Group", string(lp.Group)})
		case lp.UserId != nil:
			perms = append(perms, perm{"UserId", aws.ToString(lp.UserId)})
		case lp.OrganizationArn != nil:
			perms = append(perms, perm{"OrganizationArn", aws.ToString(lp.OrganizationArn)})
		case lp.OrganizationalUnitArn != nil:
			perms = append(perms, perm{"OrganizationalUnitArn", aws.ToString(lp.OrganizationalUnitArn)})
		}
	}
	sort.Slice(perms, func(i, j int) bool {
		if perms[i].key != perms[j].key {
			return perms[i].key < perms[j].key
		}
		return perms[i].value < perms[j].value
	})
	list := []any{}
	for _, p := range perms {
		list = append(list, map[string]string{p.key: p.value})
	}
	return list, nil
}
