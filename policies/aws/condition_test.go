package aws

import (
	"encoding/json"
	"testing"
)

// condOf parses a Condition block inside an Allow statement and returns its
// conditions.
func condOf(t *testing.T, block string) []Condition {
	t.Helper()
	p, err := ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + block + `}}`))
	if err != nil {
		t.Fatalf("condition block %s: %v", block, err)
	}
	return p.Statements[0].Conditions
}

func TestConditionOperators(t *testing.T) {
	type tc struct {
		name  string
		block string
		ctx   *Context
		want  Tri
	}
	full := func(kv ...string) *Context { return ctxWith(true, kv...) }
	partial := func(kv ...string) *Context { return ctxWith(false, kv...) }
	tests := []tc{
		// String
		{"StringEquals match", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`, full("aws:RequestedRegion", "us-east-1"), True},
		{"StringEquals mismatch", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`, full("aws:RequestedRegion", "eu-west-1"), False},
		{"StringEquals is case-sensitive", `{"StringEquals":{"aws:PrincipalTag/team":"platform"}}`, full("aws:PrincipalTag/team", "Platform"), False},
		{"StringEquals wildcard is literal", `{"StringEquals":{"aws:PrincipalTag/team":"plat*"}}`, full("aws:PrincipalTag/team", "platform"), False},
		{"StringEquals missing key", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`, full(), False},
		{"condition keys are case-insensitive", `{"StringEquals":{"AWS:requestedregion":"us-east-1"}}`, full("aws:RequestedRegion", "us-east-1"), True},
		{"operator names are case-insensitive", `{"stringequals":{"aws:RequestedRegion":"us-east-1"}}`, full("aws:RequestedRegion", "us-east-1"), True},
		{"values OR-ed: second value matches", `{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`, full("aws:RequestedRegion", "us-east-1"), True},
		{"values OR-ed: none matches", `{"StringEquals":{"aws:RequestedRegion":["eu-west-1","ap-south-1"]}}`, full("aws:RequestedRegion", "us-east-1"), False},
		{"keys AND-ed: both hold", `{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:PrincipalTag/team":"data"}}`, full("aws:RequestedRegion", "us-east-1", "aws:PrincipalTag/team", "data"), True},
		{"keys AND-ed: one fails", `{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:PrincipalTag/team":"data"}}`, full("aws:RequestedRegion", "us-east-1", "aws:PrincipalTag/team", "platform"), False},
		{"operators AND-ed: one fails", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"Bool":{"aws:SecureTransport":"true"}}`, full("aws:RequestedRegion", "us-east-1", "aws:SecureTransport", "false"), False},
		{"operators AND-ed: both hold", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"Bool":{"aws:SecureTransport":"true"}}`, full("aws:RequestedRegion", "us-east-1", "aws:SecureTransport", "true"), True},
		{"StringNotEquals equal", `{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}`, full("aws:RequestedRegion", "eu-west-1"), False},
		{"StringNotEquals different", `{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}`, full("aws:RequestedRegion", "us-east-1"), True},
		{"StringNotEquals no value may match", `{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`, full("aws:RequestedRegion", "us-east-1"), False},
		{"StringNotEquals none of the values matches", `{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","ap-south-1"]}}`, full("aws:RequestedRegion", "us-east-1"), True},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"PLATFORM"}}`, full("aws:PrincipalTag/team", "Platform"), True},
		{"StringEqualsIgnoreCase mismatch", `{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"data"}}`, full("aws:PrincipalTag/team", "Platform"), False},
		{"StringNotEqualsIgnoreCase same but case", `{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"PLATFORM"}}`, full("aws:PrincipalTag/team", "platform"), False},
		{"StringNotEqualsIgnoreCase different", `{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"data"}}`, full("aws:PrincipalTag/team", "platform"), True},
		{"StringLike star", `{"StringLike":{"aws:PrincipalTag/team":"plat*"}}`, full("aws:PrincipalTag/team", "platform"), True},
		{"StringLike star matches empty", `{"StringLike":{"aws:PrincipalTag/team":"platform*"}}`, full("aws:PrincipalTag/team", "platform"), True},
		{"StringLike question mark", `{"StringLike":{"aws:PrincipalTag/team":"p?atform"}}`, full("aws:PrincipalTag/team", "platform"), True},
		{"StringLike question mark is one character", `{"StringLike":{"aws:PrincipalTag/team":"p?tform"}}`, full("aws:PrincipalTag/team", "platform"), False},
		{"StringLike is case-sensitive", `{"StringLike":{"aws:PrincipalTag/team":"plat*"}}`, full("aws:PrincipalTag/team", "Platform"), False},
		{"StringLike star in the middle", `{"StringLike":{"s3:prefix":"home/*/docs"}}`, full("s3:prefix", "home/alice/x/docs"), True},
		{"StringLike ${*} is a literal star", `{"StringLike":{"s3:prefix":"a${*}"}}`, full("s3:prefix", "a*"), True},
		{"StringLike ${*} does not match other text", `{"StringLike":{"s3:prefix":"a${*}"}}`, full("s3:prefix", "ab"), False},
		{"StringLike ${?} is a literal question mark", `{"StringLike":{"s3:prefix":"a${?}"}}`, full("s3:prefix", "ab"), False},
		{"StringLike ${$} is a literal dollar", `{"StringLike":{"s3:prefix":"${$}{x}"}}`, full("s3:prefix", "${x}"), True},
		{"StringNotLike matches", `{"StringNotLike":{"aws:PrincipalTag/team":"plat*"}}`, full("aws:PrincipalTag/team", "platform"), False},
		{"StringNotLike no match", `{"StringNotLike":{"aws:PrincipalTag/team":"plat*"}}`, full("aws:PrincipalTag/team", "data"), True},

		// Policy variables in condition values
		{"variable in StringLike", `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, full("aws:username", "alice", "s3:prefix", "home/alice/x"), True},
		{"variable in StringLike other user", `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, full("aws:username", "bob", "s3:prefix", "home/alice/x"), False},
		{"variable without value (complete context)", `{"StringEquals":{"s3:prefix":"${aws:username}"}}`, full("s3:prefix", ""), False},
		{"variable without value (incomplete context)", `{"StringEquals":{"s3:prefix":"${aws:username}"}}`, partial("s3:prefix", "alice"), Unknown},
		{"variable default used when the key is absent", `{"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team, 'none'}"}}`, full("s3:prefix", "none"), True},
		{"variable default not used when the key is present", `{"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team, 'none'}"}}`, full("s3:prefix", "none", "aws:PrincipalTag/team", "data"), False},
		{"variable value with a star stays literal", `{"StringLike":{"s3:prefix":"${aws:username}"}}`, full("aws:username", "a*", "s3:prefix", "abc"), False},
		{"variable value compared to the same key", `{"StringEquals":{"aws:ResourceAccount":"${aws:PrincipalAccount}"}}`, full("aws:ResourceAccount", "111122223333", "aws:PrincipalAccount", "111122223333"), True},

		// Numeric
		{"NumericEquals", `{"NumericEquals":{"s3:max-keys":"10"}}`, full("s3:max-keys", "10"), True},
		{"NumericEquals decimal forms", `{"NumericEquals":{"s3:max-keys":"10"}}`, full("s3:max-keys", "10.0"), True},
		{"NumericEquals JSON number value", `{"NumericEquals":{"s3:max-keys":10}}`, full("s3:max-keys", "10"), True},
		{"NumericNotEquals equal", `{"NumericNotEquals":{"s3:max-keys":"10"}}`, full("s3:max-keys", "10"), False},
		{"NumericNotEquals different", `{"NumericNotEquals":{"s3:max-keys":"10"}}`, full("s3:max-keys", "11"), True},
		{"NumericLessThan holds", `{"NumericLessThan":{"s3:max-keys":"10"}}`, full("s3:max-keys", "9"), True},
		{"NumericLessThan equal", `{"NumericLessThan":{"s3:max-keys":"10"}}`, full("s3:max-keys", "10"), False},
		{"NumericLessThan compares numbers not text", `{"NumericLessThan":{"s3:max-keys":"10"}}`, full("s3:max-keys", "9.5"), True},
		{"NumericLessThan negative", `{"NumericLessThan":{"s3:max-keys":"0"}}`, full("s3:max-keys", "-1"), True},
		{"NumericLessThanEquals equal", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, full("s3:max-keys", "10"), True},
		{"NumericGreaterThan holds", `{"NumericGreaterThan":{"s3:max-keys":"10"}}`, full("s3:max-keys", "100"), True},
		{"NumericGreaterThan equal", `{"NumericGreaterThan":{"s3:max-keys":"10"}}`, full("s3:max-keys", "10"), False},
		{"NumericGreaterThanEquals equal", `{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}`, full("s3:max-keys", "10"), True},
		{"NumericGreaterThanEquals less", `{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}`, full("s3:max-keys", "9"), False},
		{"Numeric on a non-number", `{"NumericLessThan":{"s3:max-keys":"10"}}`, full("s3:max-keys", "many"), False},
		{"Numeric values OR-ed", `{"NumericEquals":{"s3:max-keys":["5","10"]}}`, full("s3:max-keys", "10"), True},

		// Date
		{"DateGreaterThan ISO", `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, full("aws:CurrentTime", "2021-06-01T12:00:00Z"), True},
		{"DateGreaterThan ISO before", `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, full("aws:CurrentTime", "2019-12-31T23:59:59Z"), False},
		{"DateLessThan ISO", `{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, full("aws:CurrentTime", "2019-12-31T23:59:59Z"), True},
		{"DateLessThanEquals same instant", `{"DateLessThanEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, full("aws:CurrentTime", "2020-01-01T00:00:00Z"), True},
		{"DateGreaterThanEquals same instant", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, full("aws:CurrentTime", "2020-01-01T00:00:00Z"), True},
		{"DateEquals same instant in two zones", `{"DateEquals":{"aws:CurrentTime":"2020-01-01T01:00:00+01:00"}}`, full("aws:CurrentTime", "2020-01-01T00:00:00Z"), True},
		{"DateNotEquals different", `{"DateNotEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, full("aws:CurrentTime", "2020-01-02T00:00:00Z"), True},
		{"DateNotEquals same", `{"DateNotEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, full("aws:CurrentTime", "2020-01-01T00:00:00Z"), False},
		{"Date epoch key against ISO value", `{"DateGreaterThan":{"aws:EpochTime":"2023-01-01T00:00:00Z"}}`, full("aws:EpochTime", "1700000000"), True},
		{"Date epoch value against ISO key", `{"DateLessThan":{"aws:CurrentTime":"1700000000"}}`, full("aws:CurrentTime", "2023-11-14T22:13:19Z"), True},
		{"Date epoch equals ISO", `{"DateEquals":{"aws:CurrentTime":"1700000000"}}`, full("aws:CurrentTime", "2023-11-14T22:13:20Z"), True},
		{"Date epoch JSON number", `{"DateGreaterThanEquals":{"aws:EpochTime":1700000000}}`, full("aws:EpochTime", "1700000000"), True},
		{"Date date-only value", `{"DateLessThan":{"aws:CurrentTime":"2020-01-02"}}`, full("aws:CurrentTime", "2020-01-01T23:59:59Z"), True},
		{"Date with fractional seconds", `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, full("aws:CurrentTime", "2020-01-01T00:00:00.5Z"), True},
		{"Date on a non-date", `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, full("aws:CurrentTime", "tomorrow"), False},

		// Bool
		{"Bool true", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, full("aws:MultiFactorAuthPresent", "true"), True},
		{"Bool false vs true", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, full("aws:MultiFactorAuthPresent", "false"), False},
		{"Bool JSON boolean value", `{"Bool":{"aws:SecureTransport":false}}`, full("aws:SecureTransport", "false"), True},
		{"Bool missing key", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, full(), False},
		{"Bool non-boolean key", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, full("aws:MultiFactorAuthPresent", "yes"), False},
		{"BoolIfExists missing key", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, full(), True},
		{"BoolIfExists present false", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, full("aws:MultiFactorAuthPresent", "false"), False},

		// Binary
		{"BinaryEquals same bytes", `{"BinaryEquals":{"k":"QmluYXJ5VmFsdWU="}}`, full("k", "QmluYXJ5VmFsdWU="), True},
		{"BinaryEquals other bytes", `{"BinaryEquals":{"k":"QmluYXJ5VmFsdWU="}}`, full("k", "T3RoZXI="), False},
		{"BinaryEquals not base64", `{"BinaryEquals":{"k":"QmluYXJ5VmFsdWU="}}`, full("k", "!!"), False},

		// IP
		{"IpAddress v4 in CIDR", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, full("aws:SourceIp", "10.1.2.3"), True},
		{"IpAddress v4 out of CIDR", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, full("aws:SourceIp", "11.1.2.3"), False},
		{"IpAddress single address", `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, full("aws:SourceIp", "203.0.113.7"), True},
		{"IpAddress /32", `{"IpAddress":{"aws:SourceIp":"203.0.113.7/32"}}`, full("aws:SourceIp", "203.0.113.8"), False},
		{"IpAddress CIDR with host bits", `{"IpAddress":{"aws:SourceIp":"10.1.2.3/8"}}`, full("aws:SourceIp", "10.200.0.1"), True},
		{"IpAddress list OR-ed", `{"IpAddress":{"aws:SourceIp":["192.168.0.0/16","203.0.113.0/24"]}}`, full("aws:SourceIp", "203.0.113.7"), True},
		{"IpAddress v6 in CIDR", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, full("aws:SourceIp", "2001:db8:1::5"), True},
		{"IpAddress v6 out of CIDR", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, full("aws:SourceIp", "2001:db9::5"), False},
		{"IpAddress v4 address against a v6 CIDR", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, full("aws:SourceIp", "10.0.0.1"), False},
		{"IpAddress v4-mapped v6 address", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, full("aws:SourceIp", "::ffff:10.0.0.1"), True},
		{"IpAddress mixed list", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}`, full("aws:SourceIp", "2001:db8::1"), True},
		{"IpAddress not an address", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, full("aws:SourceIp", "localhost"), False},
		{"NotIpAddress inside", `{"NotIpAddress":{"aws:SourceIp":"192.168.0.0/16"}}`, full("aws:SourceIp", "192.168.1.9"), False},
		{"NotIpAddress outside", `{"NotIpAddress":{"aws:SourceIp":"192.168.0.0/16"}}`, full("aws:SourceIp", "10.1.2.3"), True},
		{"NotIpAddress v6 outside v4 CIDR", `{"NotIpAddress":{"aws:SourceIp":"192.168.0.0/16"}}`, full("aws:SourceIp", "2001:db8::1"), True},
		{"NotIpAddress in one of the CIDRs", `{"NotIpAddress":{"aws:SourceIp":["192.168.0.0/16","10.0.0.0/8"]}}`, full("aws:SourceIp", "10.1.2.3"), False},

		// ARN
		{"ArnLike wildcard resource part", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/build*"}}`, full("aws:PrincipalArn", "arn:aws:iam::111122223333:role/builder"), True},
		{"ArnLike other role", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/build*"}}`, full("aws:PrincipalArn", "arn:aws:iam::111122223333:role/deploy"), False},
		{"ArnLike wildcard account", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:topic"}}`, full("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic"), True},
		{"ArnLike wildcard does not cross a colon", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:topic"}}`, full("aws:SourceArn", "arn:aws:sns:us:east:111122223333:topic"), False},
		{"ArnLike resource part may hold colons", `{"ArnLike":{"aws:SourceArn":"arn:aws:logs:*:*:log-group:*"}}`, full("aws:SourceArn", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s"), True},
		{"ArnLike is case-sensitive in the resource part", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/Build*"}}`, full("aws:PrincipalArn", "arn:aws:iam::111122223333:role/builder"), False},
		{"ArnEquals takes wildcards too", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}}`, full("aws:PrincipalArn", "arn:aws:iam::111122223333:role/x"), True},
		{"ArnEquals exact", `{"ArnEquals":{"aws:SourceArn":"arn:aws:s3:::bucket"}}`, full("aws:SourceArn", "arn:aws:s3:::bucket"), True},
		{"ArnLike key not an ARN", `{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::*"}}`, full("aws:SourceArn", "bucket"), False},
		{"ArnNotLike match", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}`, full("aws:PrincipalArn", "arn:aws:iam::111122223333:role/admin"), False},
		{"ArnNotLike no match", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}`, full("aws:PrincipalArn", "arn:aws:iam::111122223333:role/dev"), True},
		{"ArnNotEquals no match", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:s3:::a"}}`, full("aws:SourceArn", "arn:aws:s3:::b"), True},
		{"ArnLike with a variable in the resource part", `{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::home-${aws:username}"}}`, full("aws:username", "alice", "aws:SourceArn", "arn:aws:s3:::home-alice"), True},

		// Null
		{"Null true, key absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, full(), True},
		{"Null true, key present", `{"Null":{"aws:TokenIssueTime":"true"}}`, full("aws:TokenIssueTime", "2020-01-01T00:00:00Z"), False},
		{"Null false, key present", `{"Null":{"aws:TokenIssueTime":"false"}}`, full("aws:TokenIssueTime", "2020-01-01T00:00:00Z"), True},
		{"Null false, key absent", `{"Null":{"aws:TokenIssueTime":"false"}}`, full(), False},
		{"Null JSON boolean", `{"Null":{"aws:TokenIssueTime":true}}`, full(), True},
		{"Null, incomplete context", `{"Null":{"aws:TokenIssueTime":"true"}}`, partial(), Unknown},
		{"Null, incomplete context but key given", `{"Null":{"aws:TokenIssueTime":"false"}}`, partial("aws:TokenIssueTime", "x"), True},

		// IfExists
		{"StringEqualsIfExists missing key", `{"StringEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}`, full(), True},
		{"StringEqualsIfExists present match", `{"StringEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}`, full("ec2:InstanceType", "t3.micro"), True},
		{"StringEqualsIfExists present mismatch", `{"StringEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}`, full("ec2:InstanceType", "m5.large"), False},
		{"NumericLessThanIfExists missing key", `{"NumericLessThanIfExists":{"s3:max-keys":"10"}}`, full(), True},
		{"ArnLikeIfExists missing key", `{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:s3:::x"}}`, full(), True},
		{"IpAddressIfExists missing key", `{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, full(), True},
		{"IfExists, incomplete context", `{"StringEqualsIfExists":{"ec2:InstanceType":"t3.micro"}}`, partial(), Unknown},

		// Negated operators with a missing key
		{"StringNotEquals missing key", `{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}`, full(), True},
		{"StringNotEqualsIgnoreCase missing key", `{"StringNotEqualsIgnoreCase":{"aws:RequestedRegion":"eu-west-1"}}`, full(), True},
		{"StringNotLike missing key", `{"StringNotLike":{"aws:PrincipalTag/team":"plat*"}}`, full(), True},
		{"NumericNotEquals missing key", `{"NumericNotEquals":{"s3:max-keys":"10"}}`, full(), True},
		{"DateNotEquals missing key", `{"DateNotEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, full(), True},
		{"NotIpAddress missing key", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, full(), True},
		{"ArnNotEquals missing key", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:s3:::x"}}`, full(), True},
		{"ArnNotLike missing key", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:s3:::x"}}`, full(), True},
		{"positive operators with a missing key", `{"StringLike":{"aws:PrincipalTag/team":"*"}}`, full(), False},
		{"negated operator, incomplete context", `{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}`, partial(), Unknown},

		// Incomplete context
		{"unknown key", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`, partial(), Unknown},
		{"known key in an incomplete context", `{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`, partial("aws:RequestedRegion", "eu-west-1"), False},
		{"unknown AND false is false", `{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:PrincipalTag/team":"data"}}`, partial("aws:RequestedRegion", "eu-west-1"), False},
		{"unknown AND true is unknown", `{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:PrincipalTag/team":"data"}}`, partial("aws:RequestedRegion", "us-east-1"), Unknown},

		// Set operators
		{"ForAnyValue one in common", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`, full("aws:TagKeys", "cost|team"), True},
		{"ForAnyValue nothing in common", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`, full("aws:TagKeys", "cost|owner"), False},
		{"ForAnyValue single-valued key", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`, full("aws:TagKeys", "team"), True},
		{"ForAnyValue missing key", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`, full(), False},
		{"ForAnyValue empty list", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`, full("aws:TagKeys", "[]"), False},
		{"ForAnyValue missing key, incomplete context", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}`, partial(), Unknown},
		{"ForAnyValue:StringLike", `{"ForAnyValue:StringLike":{"aws:TagKeys":"team-*"}}`, full("aws:TagKeys", "cost|team-a"), True},
		{"ForAllValues subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team","cost"]}}`, full("aws:TagKeys", "env|team"), True},
		{"ForAllValues one outside", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, full("aws:TagKeys", "env|owner"), False},
		{"ForAllValues missing key is vacuously true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, full(), True},
		{"ForAllValues empty list is vacuously true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, full("aws:TagKeys", "[]"), True},
		{"ForAllValues missing key, incomplete context", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}`, partial(), Unknown},
		{"ForAllValues:StringLike", `{"ForAllValues:StringLike":{"aws:TagKeys":["team-*","env"]}}`, full("aws:TagKeys", "team-a|env"), True},
		{"ForAllValues:StringNotEquals", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["owner"]}}`, full("aws:TagKeys", "team|env"), True},
		{"ForAllValues:StringNotEquals one forbidden", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["owner"]}}`, full("aws:TagKeys", "team|owner"), False},
		{"ForAnyValue:StringNotEquals", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["owner"]}}`, full("aws:TagKeys", "owner|team"), True},
		{"set operator prefix case-insensitive", `{"forallvalues:StringEquals":{"aws:TagKeys":["env"]}}`, full("aws:TagKeys", "env"), True},
		{"ForAllValues with a variable value, incomplete context", `{"ForAllValues:StringEquals":{"aws:TagKeys":["${aws:PrincipalTag/allowed}"]}}`, partial("aws:TagKeys", "a|b"), Unknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := evalConditions(condOf(t, tc.block), tc.ctx)
			if got != tc.want {
				t.Errorf("%s with %v: got %v, want %v", tc.block, tc.ctx.values, got, tc.want)
			}
		})
	}
}

func TestContextFromJSON(t *testing.T) {
	c, err := ContextFromJSON(map[string]json.RawMessage{
		"aws:SourceIp":               json.RawMessage(`"10.0.0.1"`),
		"aws:TagKeys":                json.RawMessage(`["a","b"]`),
		"aws:MultiFactorAuthPresent": json.RawMessage(`true`),
		"s3:max-keys":                json.RawMessage(`10`),
		"aws:TokenIssueTime":         json.RawMessage(`null`),
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	check := func(key string, want ContextValue, present Tri) {
		t.Helper()
		v, p := c.lookup(key)
		if p != present {
			t.Fatalf("%s: present %v, want %v", key, p, present)
		}
		if present == True && (v.Multi != want.Multi || len(v.Values) != len(want.Values) || (len(v.Values) > 0 && v.Values[0] != want.Values[0])) {
			t.Fatalf("%s: %+v, want %+v", key, v, want)
		}
	}
	check("AWS:SOURCEIP", ContextValue{Values: []string{"10.0.0.1"}}, True)
	check("aws:tagkeys", ContextValue{Values: []string{"a", "b"}, Multi: true}, True)
	check("aws:MultiFactorAuthPresent", ContextValue{Values: []string{"true"}}, True)
	check("s3:max-keys", ContextValue{Values: []string{"10"}}, True)
	check("aws:TokenIssueTime", ContextValue{}, False) // null is absent
	check("aws:username", ContextValue{}, False)

	if _, err := ContextFromJSON(map[string]json.RawMessage{"k": json.RawMessage(`{"a":1}`)}, true); err == nil {
		t.Fatal("an object context value was accepted")
	}
	if keys := c.Keys(); len(keys) != 4 || keys[0] != "aws:multifactorauthpresent" {
		t.Fatalf("keys %q", keys)
	}
	cl := c.Clone()
	cl.Set("extra", "1")
	if _, p := c.lookup("extra"); p != False {
		t.Fatal("Clone shares its map with the original")
	}
}
