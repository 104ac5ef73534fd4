variable "name" {
  description = "Name of the network (the cluster name, <org>-<env>); prefixes every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS-1123 label of at most 40 characters."
  }
}

variable "cidr" {
  description = "IPv4 CIDR of the VPC (/16 to /24). The first three quarters hold one private subnet per zone, the last quarter is split into small public subnets for the NAT gateways."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && tonumber(split("/", var.cidr)[1]) >= 16 && tonumber(split("/", var.cidr)[1]) <= 24
    error_message = "cidr must be an IPv4 CIDR with a prefix length between /16 and /24 (a /24 still gives each zone a /26 private and a /28 public subnet)."
  }
}

variable "availability_zone_count" {
  description = "Number of availability zones to spread subnets (and, with one_per_az, NAT gateways) over."
  type        = number
  default     = 2

  validation {
    condition     = var.availability_zone_count >= 1 && var.availability_zone_count <= 3 && floor(var.availability_zone_count) == var.availability_zone_count
    error_message = "availability_zone_count must be 1, 2 or 3."
  }
}

variable "nat_gateway_strategy" {
  description = "single: one NAT gateway shared by every private subnet (cheap, dev). one_per_az: one NAT gateway per availability zone, so losing a zone does not cut the others off (prod)."
  type        = string
  default     = "single"

  validation {
    condition     = contains(["single", "one_per_az"], var.nat_gateway_strategy)
    error_message = "nat_gateway_strategy must be single or one_per_az."
  }
}

variable "flow_logs" {
  description = "VPC flow logs delivered to CloudWatch Logs: retention in days, traffic type and an optional KMS key for the log group."
  type = object({
    retention_in_days = optional(number, 30)
    traffic_type      = optional(string, "ALL")
    kms_key_arn       = optional(string)
  })
  default = {}

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs.retention_in_days)
    error_message = "flow_logs.retention_in_days must be a retention period CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_logs.traffic_type)
    error_message = "flow_logs.traffic_type must be ACCEPT, REJECT or ALL."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary set on the flow-log role (the terraform phase may only create IAM roles that carry it, so no role it creates can exceed it)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,128}$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be the ARN of a customer-managed IAM policy (arn:aws:iam::<account>:policy/<path/><name>)."
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
