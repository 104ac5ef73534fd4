output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "Availability zones the subnets are spread over, in subnet order."
  value       = local.azs
}

output "private_subnet_ids" {
  description = "IDs of the private subnets (nodes, API load balancer, SSM endpoints), one per availability zone; known only once their egress route and the SSM endpoints exist."
  value       = aws_subnet.private[*].id

  # Nodes launched into these subnets register their SSM agent at boot: hand the subnets out
  # only when the agent can reach Systems Manager, or it backs off for minutes and Ansible's
  # first connection fails.
  depends_on = [
    aws_route.private_nat,
    aws_route_table_association.private,
    aws_vpc_endpoint.ssm,
    aws_vpc_endpoint.s3,
  ]
}

output "public_subnet_ids" {
  description = "IDs of the public subnets (NAT gateways only), one per availability zone."
  value       = aws_subnet.public[*].id
}

output "private_route_table_ids" {
  description = "IDs of the private route tables, one per availability zone."
  value       = aws_route_table.private[*].id
}

output "nat_gateway_ids" {
  description = "IDs of the NAT gateways (one, or one per availability zone)."
  value       = aws_nat_gateway.this[*].id
}

output "nat_public_ips" {
  description = "Elastic IPs of the NAT gateways: the addresses the cluster's egress traffic comes from."
  value       = aws_eip.nat[*].public_ip
}

output "flow_log_id" {
  description = "ID of the VPC flow log."
  value       = aws_flow_log.this.id
}

output "flow_log_group_name" {
  description = "CloudWatch Logs group that receives the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}

output "endpoint_security_group_id" {
  description = "Security group of the Systems Manager interface endpoints."
  value       = aws_security_group.endpoints.id
}

output "ssm_endpoint_ids" {
  description = "IDs of the Systems Manager interface endpoints, by service (ssm, ssmmessages, ec2messages)."
  value       = { for service, endpoint in aws_vpc_endpoint.ssm : service => endpoint.id }
}

output "s3_endpoint_id" {
  description = "ID of the S3 gateway endpoint."
  value       = aws_vpc_endpoint.s3.id
}
