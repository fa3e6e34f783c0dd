# The pipeline pushes the application images.
resource "aws_iam_role_policy" "push" {
  role = aws_iam_role.this.id
  name = "push"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"]
      Resource = "arn:aws:ecr:us-east-1:111122223333:repository/app/*"
    }]
  })
}
