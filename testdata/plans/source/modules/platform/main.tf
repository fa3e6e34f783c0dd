module "ci" {
  source = "./ci"
}

# Lets dave create AMIs for the platform team.
resource "aws_iam_user_policy" "dave_ami" {
  user = "dave"
  name = "create-amis"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["ec2:CreateImage", "ec2:RegisterImage", "ec2:CopyImage"]
      Resource = "*"
    }]
  })
}
