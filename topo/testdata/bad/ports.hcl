lab "ports" {}
autonomous_system "aws" { asn = 16509 }
router "edge" { as = "aws" }
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.0/24"
}
security_group "sg" {
  ingress {
    protocol = "tcp"
    ports    = "0"
    cidr     = "0.0.0.0/0"
  }
  ingress {
    protocol = "udp"
    ports    = "70000"
    cidr     = "0.0.0.0/0"
  }
  ingress {
    protocol = "tcp"
    ports    = "2000-1000"
    cidr     = "0.0.0.0/0"
  }
  ingress {
    protocol = "icmp"
    ports    = "8"
    cidr     = "0.0.0.0/0"
  }
  egress {
    protocol = "all"
    ports    = "1-65535"
    cidr     = "0.0.0.0/0"
  }
  egress {
    protocol = "tcp"
    ports    = "ssh"
    cidr     = "0.0.0.0/0"
  }
  egress {
    protocol = "tcp"
    ports    = "443"
  }
  egress {
    protocol       = "tcp"
    ports          = "443"
    cidr           = "0.0.0.0/0"
    security_group = "sg"
  }
}
