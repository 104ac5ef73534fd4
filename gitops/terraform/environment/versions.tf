terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }

  # Partial configuration: bucket, key (<org>/<env>/terraform.tfstate) and region come from
  # `terraform init -backend-config=...` in buildspecs/scripts/terraform/init.sh, so one root
  # serves every organization. S3-native locking (Terraform >= 1.11) replaces DynamoDB.
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
