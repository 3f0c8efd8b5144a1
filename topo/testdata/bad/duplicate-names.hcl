lab "dup" {}
autonomous_system "isp" { asn = 64500 }
autonomous_system "isp" { asn = 64501 }
router "r1" { as = "isp" }
router "r1" { as = "isp" }
host "r1" {}
router "prod-igw" { as = "isp" }
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "r1"
  public_ip_pool = "203.0.113.0/24"
}
key_pair "k" {}
key_pair "k" {}
