variable "organization" {
  description = "Organization of the environment (the reserved organization cluster for a shared cluster's own run)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.organization))
    error_message = "organization must be a DNS-1123 label."
  }
}

variable "environment" {
  description = "Environment name (a shared cluster's name for its own run)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.environment))
    error_message = "environment must be a DNS-1123 label."
  }
}

variable "retention_days" {
  description = "Retention of the log groups (the spec's logs.retentionDays); one of the values CloudWatch Logs accepts."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.retention_days)
    error_message = "retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "shared" {
  description = "A shared cluster: its tenants' workloads groups are created by its Fluent Bit when a tenant is placed (Terraform does not run for tenants), so the node role may create them and set their retention."
  type        = bool
  default     = false
}

variable "node_role_name" {
  description = "Name of the nodes' IAM role: Fluent Bit runs on the nodes with it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.node_role_name))
    error_message = "node_role_name must be an IAM role name."
  }
}

variable "tags" {
  description = "Tags merged into every resource; must carry organization, environment and managed-by = slipway."
  type        = map(string)

  validation {
    condition     = alltrue([for key in ["organization", "environment", "managed-by"] : contains(keys(var.tags), key)]) && try(var.tags["managed-by"], "") == "slipway"
    error_message = "tags must contain organization, environment and managed-by = \"slipway\"."
  }
}
