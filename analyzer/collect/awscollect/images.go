package awscollect

import (
	"context"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// collectImages writes images-REGION.json: the AMIs the account owns, in
// the shape of `aws ec2 describe-images --owners self` with the region
// added, so that analyze decides them exactly.
func collectImages(ctx context.Context, o Options, region string) Scope {
	s := Scope{Name: "ec2-images:" + region}
	c := ec2.NewFromConfig(o.Config, func(opt *ec2.Options) { opt.Region = region })
	images := []any{}
	p := ec2.NewDescribeImagesPaginator(c, &ec2.DescribeImagesInput{Owners: []string{"self"}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.Error = "ec2:DescribeImages: " + errText(err)
			return s
		}
		for _, im := range page.Images {
			images = append(images, map[string]any{"ImageId": aws.ToString(im.ImageId), "OwnerId": aws.ToString(im.OwnerId), "Name": aws.ToString(im.Name),
				"CreationDate": aws.ToString(im.CreationDate), "State": string(im.State), "Public": aws.ToBool(im.Public)})
		}
	}
	name := "images-" + region + ".json"
	if err := writeJSON(filepath.Join(o.Out, name), map[string]any{"Region": region, "Images": images}); err != nil {
		s.Error = err.Error()
		return s
	}
	s.Files = []string{name}
	return s
}
