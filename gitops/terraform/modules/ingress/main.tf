# One internet-facing network load balancer per cluster in front of Cilium's shared ingress
# listener. The clusters are kubeadm on EC2 without a cloud controller manager, so nothing in the
# cluster turns a LoadBalancer Service into an AWS load balancer: Terraform creates it, and Cilium's
# ingress Service is a NodePort Service on a fixed port (the ansible phase's Cilium values).
#
# TLS ends here, with one ACM certificate per organization (*.<organization>.<domain>, validated
# through DNS in the given hosted zone, renewed by ACM) chosen by SNI; the load balancer forwards
# plain HTTP to the NodePort inside the VPC. No certificate private key, and no right to change
# DNS, is ever on a node: the platform's pods share the node role, and tenants write Ingress
# objects only (their hosts are checked by the tenant admission policy).

locals {
  # NodePort of Cilium's shared ingress Service for plain HTTP: the ansible phase's Cilium values set
  # ingressController.service.insecureNodePort to the same number (a test keeps them equal).
  node_port = 30080
  # The listeners, both to the same NodePort (TLS ends at the load balancer).
  listeners = {
    http  = { port = 80 }
    https = { port = 443 }
  }
  # The one name every certificate and alias record of an organization covers.
  hosts = { for organization in var.organizations : organization => "*.${organization}.${var.domain}" }
  # The listener's default certificate (a client without SNI gets it); every other one is added.
  default_organization = sort(tolist(var.organizations))[0]
}

resource "aws_security_group" "this" {
  name_prefix = "${var.cluster_name}-ingress-"
  description = "Ingress load balancer of ${var.cluster_name}: HTTP and HTTPS from anywhere, to the ingress NodePort only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.cluster_name}-ingress" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "listeners" {
  for_each = local.listeners

  security_group_id = aws_security_group.this.id
  description       = "Ingress listener ${each.key}"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge(var.tags, { Name = "${var.cluster_name}-ingress-${each.key}" })
}

resource "aws_vpc_security_group_egress_rule" "to_nodes" {
  security_group_id            = aws_security_group.this.id
  description                  = "To Cilium's ingress NodePort"
  ip_protocol                  = "tcp"
  from_port                    = local.node_port
  to_port                      = local.node_port
  referenced_security_group_id = var.node_security_group_id

  tags = merge(var.tags, { Name = "${var.cluster_name}-ingress-to-nodes" })
}

# The only opening in the node security group for the outside world: the one NodePort, from this
# load balancer (its security group), not the NodePort range.
resource "aws_vpc_security_group_ingress_rule" "nodes_from_lb" {
  security_group_id            = var.node_security_group_id
  description                  = "Cilium's ingress NodePort from the ingress load balancer"
  ip_protocol                  = "tcp"
  from_port                    = local.node_port
  to_port                      = local.node_port
  referenced_security_group_id = aws_security_group.this.id

  tags = merge(var.tags, { Name = "${var.cluster_name}-ingress-node-port" })
}

resource "aws_lb" "this" {
  name_prefix        = "ing-"
  internal           = false
  load_balancer_type = "network"
  subnets            = var.subnet_ids
  security_groups    = [aws_security_group.this.id]

  enable_cross_zone_load_balancing = true

  tags = merge(var.tags, { Name = "${var.cluster_name}-ingress" })
}

resource "aws_lb_target_group" "http" {
  name_prefix = "ing-"
  port        = local.node_port
  protocol    = "TCP"
  target_type = "instance"
  vpc_id      = var.vpc_id

  # The source is the load balancer (whose security group the node rule names), and a pod reaching
  # a tenant host through the load balancer from a node that is also a target is not dropped
  # (NLB hairpinning). Applications see the load balancer's address, not the client's.
  preserve_client_ip   = false
  deregistration_delay = 30

  health_check {
    protocol            = "TCP"
    port                = "traffic-port"
    interval            = 10
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  tags = merge(var.tags, { Name = "${var.cluster_name}-ingress-http" })
}

resource "aws_lb_target_group_attachment" "nodes" {
  count = var.target_count

  target_group_arn = aws_lb_target_group.http.arn
  target_id        = var.target_instance_ids[count.index]
  port             = local.node_port
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = local.listeners.http.port
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.http.arn
  }

  tags = merge(var.tags, { Name = "${var.cluster_name}-ingress-http" })
}

resource "aws_acm_certificate" "this" {
  for_each = local.hosts

  domain_name       = each.value
  validation_method = "DNS"

  tags = merge(var.tags, { Name = each.value, ingress-organization = each.key })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = local.hosts

  zone_id         = var.hosted_zone_id
  name            = one(aws_acm_certificate.this[each.key].domain_validation_options).resource_record_name
  type            = one(aws_acm_certificate.this[each.key].domain_validation_options).resource_record_type
  records         = [one(aws_acm_certificate.this[each.key].domain_validation_options).resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  for_each = local.hosts

  certificate_arn         = aws_acm_certificate.this[each.key].arn
  validation_record_fqdns = [aws_route53_record.validation[each.key].fqdn]
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = local.listeners.https.port
  protocol          = "TLS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.this[local.default_organization].certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.http.arn
  }

  tags = merge(var.tags, { Name = "${var.cluster_name}-ingress-https" })
}

resource "aws_lb_listener_certificate" "organizations" {
  for_each = { for organization, host in local.hosts : organization => host if organization != local.default_organization }

  listener_arn    = aws_lb_listener.https.arn
  certificate_arn = aws_acm_certificate_validation.this[each.key].certificate_arn
}

resource "aws_route53_record" "hosts" {
  for_each = local.hosts

  zone_id = var.hosted_zone_id
  name    = each.value
  type    = "A"

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}
