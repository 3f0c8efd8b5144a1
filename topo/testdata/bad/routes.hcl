lab "routes" {}
autonomous_system "aws" { asn = 16509 }
router "edge" {
  as = "aws"
  route {
    to  = "10.9.0.0/16"
    via = "192.0.2.2"
  }
  route {
    to  = "10.9.0.0/16"
    via = "192.0.2.2"
  }
  route {
    to  = "192.0.2.0/30"
    via = "192.0.2.2"
  }
  route {
    to  = "203.0.113.0/24"
    via = "192.0.2.2"
  }
}
host "h" {
  gateway = "192.0.2.1"
  route {
    to  = "0.0.0.0/0"
    via = "192.0.2.1"
  }
}
link "edge" "h" { subnet = "192.0.2.0/30" }
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.0/24"
}
