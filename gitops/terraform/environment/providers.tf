provider "aws" {
  region = var.region

  # Tags every resource the provider creates, including those a module forgets; modules also
  # merge the same map explicitly so the tags show up in their plans and tests.
  default_tags {
    tags = local.tags
  }
}
