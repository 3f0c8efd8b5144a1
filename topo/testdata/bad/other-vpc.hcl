lab "othervpc" {}
autonomous_system "aws" { asn = 16509 }
router "edge" { as = "aws" }
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.0/25"
}
vpc "dev" {
  cidr           = "10.1.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.128/25"
}
subnet "prod-a" {
  vpc  = "prod"
  cidr = "10.0.1.0/24"
}
security_group "prod-sg" { vpc = "prod" }
security_group "dev-sg" {
  vpc = "dev"
  ingress {
    protocol       = "tcp"
    ports          = "22"
    security_group = "prod-sg"
  }
}
security_group "nowhere" {}
instance "web" {
  subnet          = "prod-a"
  security_groups = ["prod-sg", "dev-sg"]
}
