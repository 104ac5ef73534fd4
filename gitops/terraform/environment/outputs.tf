# The Ansible and ArgoCD phases read these from `terraform output -json`; the names are a
# contract (gitops/terraform/ansible-outputs.json lists the ones Ansible needs). Rename none.

output "cluster_name" {
  description = "Name of the cluster, <organization>-<environment>."
  value       = module.cluster.cluster_name
}

output "region" {
  description = "AWS region of the environment."
  value       = var.region
}

output "vpc_id" {
  description = "ID of the environment's VPC."
  value       = module.cluster.vpc_id
}

output "api_endpoint" {
  description = "DNS name of the internal API load balancer: kubeadm's controlPlaneEndpoint host and Cilium's k8sServiceHost (port in api_port)."
  value       = module.cluster.api_endpoint
}

output "api_port" {
  description = "TCP port of the Kubernetes API behind api_endpoint."
  value       = module.cluster.api_port
}

output "api_nlb_arn" {
  description = "ARN of the internal API network load balancer."
  value       = module.cluster.api_nlb_arn
}

output "control_plane_instance_ids" {
  description = "EC2 instance ids of the control-plane nodes; the first one runs kubeadm init."
  value       = module.cluster.control_plane_instance_ids
}

output "worker_instance_ids" {
  description = "EC2 instance ids of the worker nodes."
  value       = module.cluster.worker_instance_ids
}

output "ssm_transfer_bucket" {
  description = "S3 bucket for Ansible's aws_ssm file transfers."
  value       = var.ssm_transfer_bucket
}

output "ansible_inventory" {
  description = "Node instance ids by Ansible group: control_plane (first = init node) and workers."
  value       = module.cluster.ansible_inventory
}

output "kubernetes_version" {
  description = "Kubernetes version requested by the spec."
  value       = var.kubernetes_version
}

output "cilium_version" {
  description = "Cilium version requested by the spec."
  value       = var.cilium_version
}

output "pod_cidr" {
  description = "Pod CIDR (Cilium cluster-pool IPv4 range)."
  value       = module.cluster.pod_cidr
}

output "service_cidr" {
  description = "Service CIDR (kubeadm serviceSubnet)."
  value       = module.cluster.service_cidr
}

output "private_subnet_ids" {
  description = "Private subnets of the environment."
  value       = module.cluster.private_subnet_ids
}

output "nat_public_ips" {
  description = "Egress addresses of the cluster (allow-list them on external services)."
  value       = module.cluster.nat_public_ips
}

output "node_role_name" {
  description = "IAM role of the nodes."
  value       = module.cluster.node_role_name
}

output "tenant_secrets_role_arns" {
  description = "IAM role per organization that External Secrets assumes for that organization's SecretStore (reads slipway-tenants/<organization>/* only)."
  value       = module.tenant_secrets.role_arns
}

output "ingress_dns_name" {
  # Never null: Terraform leaves null outputs out of `terraform output -json`, and the phases read
  # every declared output from it.
  description = "DNS name of the ingress load balancer; empty without spec ingress."
  value       = try(module.ingress[0].dns_name, "")
}

output "ingress_hosts" {
  description = "Host name pattern per organization served by the ingress load balancer (*.<organization>.<domain>); empty without spec ingress."
  value       = try(module.ingress[0].hosts, {})
}

output "ingress_zone_id" {
  description = "Route 53 hosted zone id of the ingress load balancer's DNS name (alias records' target zone); empty without spec ingress (never null, as ingress_dns_name)."
  value       = try(module.ingress[0].zone_id, "")
}

output "ingress_tls_listener_arn" {
  description = "ARN of the ingress load balancer's TLS listener, handed on to a shared cluster's tenants: their ArgoCD phase adds their organization's certificate to it; empty without spec ingress (never null, as ingress_dns_name)."
  value       = try(module.ingress[0].tls_listener_arn, "")
}

output "tenant_secrets_shared_role_arn" {
  description = "A shared cluster's one External Secrets role for all its tenants (reads slipway-tenants/<session tag slipway-org>/* only); empty for a dedicated environment."
  value       = module.tenant_secrets.shared_role_arn
}

output "log_groups" {
  description = "CloudWatch Logs groups Fluent Bit ships to: workloads (the tenant namespaces; null on a shared cluster, whose tenants' groups Fluent Bit creates), platform (the cluster's own namespaces), retention_days, shared."
  value = {
    workloads      = module.logs.workloads_log_group
    platform       = module.logs.platform_log_group
    retention_days = module.logs.retention_days
    shared         = module.logs.shared
  }
}
