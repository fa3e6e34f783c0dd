package awscloud

import "strings"

// serviceRunnerSets are launch routes that need several actions together,
// for a service the role trusts: the role is passed to one service but
// runs on another's compute. EC2 Image Builder builds on an EC2 instance
// under the instance profile of an infrastructure configuration, so a
// principal that may pass a role trusting ec2.amazonaws.com, create an
// infrastructure configuration with it and start a build (an image of an
// existing recipe, or a pipeline it then starts) runs the build's
// components as that role, without ec2:RunInstances (the Image Builder
// path of pathfinding.cloud, docs/escalation.md). Each set is one route;
// all its actions are needed.
var serviceRunnerSets = map[string][][]string{
	"ec2.amazonaws.com": {
		{"imagebuilder:CreateInfrastructureConfiguration", "imagebuilder:CreateImage"},
		{"imagebuilder:CreateInfrastructureConfiguration", "imagebuilder:CreateImagePipeline", "imagebuilder:StartImagePipelineExecution"},
	},
}

// runsBySet reports whether allowed holds every action of some route of
// serviceRunnerSets for the service, and that route's actions.
func runsBySet(svc string, allowed func(action string) bool) ([]string, bool) {
	for _, set := range serviceRunnerSets[svc] {
		all := true
		for _, a := range set {
			if !allowed(a) {
				all = false
				break
			}
		}
		if all {
			return set, true
		}
	}
	return nil, false
}

// serviceOf is the service prefix of an action ("imagebuilder").
func serviceOf(action string) string { return strings.SplitN(action, ":", 2)[0] }
