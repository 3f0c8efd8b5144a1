lab "enums" {
  timers  = "slow"
  daemons = "quagga"
}
autonomous_system "isp" {
  asn = 64500
  igp = "isis"
  rip_auth {
    type = "sha1"
    key  = "this-key-is-far-too-long"
  }
}
router "edge" { as = "isp" }
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.0/24"
}
security_group "sg" {
  ingress {
    protocol = "sctp"
    cidr     = "0.0.0.0/0"
  }
}
network_acl "acl" {
  inbound {
    number   = 100
    action   = "permit"
    protocol = "tcp"
    cidr     = "0.0.0.0/0"
  }
  inbound {
    number   = 100
    action   = "allow"
    protocol = "all"
    cidr     = "0.0.0.0/0"
  }
  outbound {
    number   = 40000
    action   = "deny"
    protocol = "all"
    cidr     = "0.0.0.0/0"
  }
}
instance "web" {
  subnet    = "s"
  public_ip = "sometimes"
}
subnet "s" { cidr = "10.0.1.0/24" }
