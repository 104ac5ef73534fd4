variable "cluster_name" {
  description = "Name of the cluster whose External Secrets Operator assumes the roles."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$", var.cluster_name))
    error_message = "cluster_name must be a DNS label of at most 40 characters."
  }
}

variable "organizations" {
  description = "Organizations with namespaces on the cluster; each gets its own role, reading its own secret prefix only."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for org in var.organizations : can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", org)) && length(org) <= 63])
    error_message = "organizations must be DNS labels."
  }
}

variable "shared_tenants" {
  description = "A shared cluster: one role for all its tenants, reading the prefix of the organization its session tag slipway-org names."
  type        = bool
  default     = false

  validation {
    condition     = var.shared_tenants || length(var.organizations) > 0
    error_message = "A cluster without shared_tenants needs at least one organization."
  }
}

variable "node_role_arn" {
  description = "ARN of the cluster's node role: the only principal the roles trust."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.node_role_arn))
    error_message = "node_role_arn must be an IAM role ARN."
  }
}

variable "secret_prefix" {
  description = "Secrets Manager name prefix of tenant secrets; an organization's secrets live under <prefix><organization>/."
  type        = string
  default     = "slipway-tenants/"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]+/$", var.secret_prefix))
    error_message = "secret_prefix must end with '/'."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary set on every role (the terraform phase may only create IAM roles that carry it)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,128}$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be the ARN of a customer-managed IAM policy."
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
