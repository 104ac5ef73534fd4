locals {
  api_port    = 6443
  tunnel_port = var.cilium.tunnel_protocol == "vxlan" ? 8472 : 6081

  # Ports every node opens to every other node (both roles share the node security group).
  node_to_node = {
    kubelet            = { enabled = true, description = "kubelet API (control plane, metrics-server)", protocol = "tcp", from = 10250, to = 10250 }
    cilium-health      = { enabled = true, description = "Cilium health checks", protocol = "tcp", from = 4240, to = 4240 }
    cilium-health-icmp = { enabled = true, description = "Cilium health ICMP echo request", protocol = "icmp", from = 8, to = 0 }
    cilium-tunnel      = { enabled = true, description = "Cilium ${var.cilium.tunnel_protocol} overlay", protocol = "udp", from = local.tunnel_port, to = local.tunnel_port }
    hubble             = { enabled = var.cilium.hubble_enabled, description = "Hubble peer service (hubble-relay)", protocol = "tcp", from = 4244, to = 4244 }
    hubble-metrics     = { enabled = var.cilium.hubble_enabled, description = "Hubble flow metrics (Prometheus)", protocol = "tcp", from = 9965, to = 9965 }
    # Prometheus runs on some node and scrapes node-exporter on every node; in tunnel mode a pod's
    # traffic to another node's own address leaves with the node's address, so this rule, not the
    # overlay, decides whether the scrape gets through.
    node-exporter = { enabled = true, description = "node-exporter metrics (Prometheus)", protocol = "tcp", from = 9100, to = 9100 }
  }

  # Control-plane metrics endpoints Prometheus scrapes (kubeadm binds them to every address, see
  # the k8s-control-plane role), reachable from the cluster's nodes only: the scheduler and the
  # controller manager serve HTTPS and authorize with RBAC; etcd serves /metrics over plain HTTP
  # on its own port, never the client port 2379.
  control_plane_metrics = {
    kube-controller-manager = { description = "kube-controller-manager metrics (Prometheus)", port = 10257 }
    kube-scheduler          = { description = "kube-scheduler metrics (Prometheus)", port = 10259 }
    etcd-metrics            = { description = "etcd metrics (Prometheus)", port = 2381 }
  }
}

################################################################################
# Security groups. No rule anywhere opens SSH (22): nodes are reached only through SSM.
################################################################################

# Every node, control plane and worker alike.
resource "aws_security_group" "this" {
  name_prefix = "${var.name}-nodes-"
  description = "Kubernetes nodes of ${var.name}: kubelet and Cilium between nodes; no SSH"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-nodes" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "control_plane" {
  name_prefix = "${var.name}-control-plane-"
  description = "Kubernetes control plane of ${var.name}: API server and etcd"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-control-plane" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "api_lb" {
  name_prefix = "${var.name}-api-lb-"
  description = "Internal load balancer of the ${var.name} Kubernetes API"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-api-lb" })

  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# Node rules
################################################################################

resource "aws_vpc_security_group_ingress_rule" "node_to_node" {
  for_each = { for key, rule in local.node_to_node : key => rule if rule.enabled }

  security_group_id            = aws_security_group.this.id
  referenced_security_group_id = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = each.value.protocol
  from_port                    = each.value.from
  to_port                      = each.value.to

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_vpc_security_group_ingress_rule" "node_ports" {
  for_each = var.node_ports.enabled ? toset(var.node_ports.cidr_blocks) : toset([])

  security_group_id = aws_security_group.this.id
  description       = "NodePort services"
  ip_protocol       = "tcp"
  from_port         = 30000
  to_port           = 32767
  cidr_ipv4         = each.value

  tags = merge(var.tags, { Name = "${var.name}-node-ports" })
}

# Egress stays open: nodes pull packages and images through the NAT gateways and talk to the
# SSM endpoints; ingress is what the groups restrict.
resource "aws_vpc_security_group_egress_rule" "nodes_all" {
  security_group_id = aws_security_group.this.id
  description       = "All outbound traffic"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge(var.tags, { Name = "${var.name}-nodes-egress" })
}

################################################################################
# Control-plane rules
################################################################################

resource "aws_vpc_security_group_ingress_rule" "api_from_nodes" {
  security_group_id            = aws_security_group.control_plane.id
  referenced_security_group_id = aws_security_group.this.id
  description                  = "Kubernetes API from the nodes"
  ip_protocol                  = "tcp"
  from_port                    = local.api_port
  to_port                      = local.api_port

  tags = merge(var.tags, { Name = "${var.name}-api-from-nodes" })
}

resource "aws_vpc_security_group_ingress_rule" "api_from_lb" {
  security_group_id            = aws_security_group.control_plane.id
  referenced_security_group_id = aws_security_group.api_lb.id
  description                  = "Kubernetes API (and health checks) from the API load balancer"
  ip_protocol                  = "tcp"
  from_port                    = local.api_port
  to_port                      = local.api_port

  tags = merge(var.tags, { Name = "${var.name}-api-from-lb" })
}

resource "aws_vpc_security_group_ingress_rule" "control_plane_metrics" {
  for_each = local.control_plane_metrics

  security_group_id            = aws_security_group.control_plane.id
  referenced_security_group_id = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_vpc_security_group_ingress_rule" "etcd" {
  security_group_id            = aws_security_group.control_plane.id
  referenced_security_group_id = aws_security_group.control_plane.id
  description                  = "etcd client and peer traffic between control-plane nodes"
  ip_protocol                  = "tcp"
  from_port                    = 2379
  to_port                      = 2380

  tags = merge(var.tags, { Name = "${var.name}-etcd" })
}

################################################################################
# Internal network load balancer for the API server
################################################################################

resource "aws_vpc_security_group_ingress_rule" "api_lb_clients" {
  for_each = toset(var.api_ingress_cidr_blocks)

  security_group_id = aws_security_group.api_lb.id
  description       = "Kubernetes API clients inside the network"
  ip_protocol       = "tcp"
  from_port         = local.api_port
  to_port           = local.api_port
  cidr_ipv4         = each.value

  tags = merge(var.tags, { Name = "${var.name}-api-lb-clients" })
}

resource "aws_vpc_security_group_egress_rule" "api_lb_to_control_plane" {
  security_group_id            = aws_security_group.api_lb.id
  referenced_security_group_id = aws_security_group.control_plane.id
  description                  = "Forward to the API servers"
  ip_protocol                  = "tcp"
  from_port                    = local.api_port
  to_port                      = local.api_port

  tags = merge(var.tags, { Name = "${var.name}-api-lb-egress" })
}

resource "aws_lb" "api" {
  name_prefix        = "api-"
  internal           = true
  load_balancer_type = "network"
  subnets            = var.subnet_ids
  security_groups    = [aws_security_group.api_lb.id]

  enable_cross_zone_load_balancing = true
  enable_deletion_protection       = var.deletion_protection

  tags = merge(var.tags, { Name = "${var.name}-api" })
}

resource "aws_lb_target_group" "api" {
  name_prefix = "api-"
  port        = local.api_port
  protocol    = "TCP"
  target_type = "instance"
  vpc_id      = var.vpc_id

  # Without this a control-plane node that reaches the API through the load balancer and is
  # routed to itself sees its own address as the source and drops the reply (NLB hairpinning);
  # kubelets and kube-proxy replacements on control-plane nodes use the load balancer address.
  preserve_client_ip = false

  # A short drain keeps rolling control-plane replacements quick; API clients retry.
  deregistration_delay = 30

  # kubeadm lets anonymous clients read /readyz (system:public-info-viewer), so the check
  # follows the API server's own readiness instead of a bare TCP accept.
  health_check {
    protocol            = "HTTPS"
    port                = "traffic-port"
    path                = "/readyz"
    matcher             = "200"
    interval            = 10
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  tags = merge(var.tags, { Name = "${var.name}-api" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "api" {
  load_balancer_arn = aws_lb.api.arn
  port              = local.api_port
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }

  tags = merge(var.tags, { Name = "${var.name}-api" })
}
