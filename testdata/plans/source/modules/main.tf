provider "aws" {
  region = "us-east-1"
}

module "platform" {
  source = "./platform"
}
