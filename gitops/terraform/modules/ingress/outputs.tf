output "dns_name" {
  description = "DNS name of the ingress load balancer (every organization's *.<organization>.<domain> is an alias of it)."
  value       = aws_lb.this.dns_name
}

output "load_balancer_arn" {
  description = "ARN of the ingress load balancer."
  value       = aws_lb.this.arn
}

output "security_group_id" {
  description = "Security group of the ingress load balancer."
  value       = aws_security_group.this.id
}

output "node_port" {
  description = "NodePort the load balancer forwards HTTP and (decrypted) HTTPS to."
  value       = local.node_port
}

output "hosts" {
  description = "Host name pattern per organization, *.<organization>.<domain>."
  value       = local.hosts
}

output "certificate_arns" {
  description = "Validated ACM certificate per organization (*.<organization>.<domain>)."
  value       = { for organization, validation in aws_acm_certificate_validation.this : organization => validation.certificate_arn }
}

output "zone_id" {
  description = "Route 53 hosted zone id of the ingress load balancer's DNS name (the target of alias records)."
  value       = aws_lb.this.zone_id
}

output "tls_listener_arn" {
  description = "ARN of the TLS 443 listener: a shared cluster's tenant runs add their organization's certificate to it (SNI)."
  value       = aws_lb_listener.https.arn
}
