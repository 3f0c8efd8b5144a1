lab "overlap" {}
autonomous_system "isp" { asn = 64500 }
router "r1" { as = "isp" }
router "r2" { as = "isp" }
router "r3" { as = "isp" }
link "r1" "r2" { subnet = "192.0.2.0/29" }
link "r2" "r3" { subnet = "192.0.2.4/30" }
link "r3" "r1" { subnet = "10.0.5.0/30" }
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "r1"
  public_ip_pool = "203.0.113.0/24"
}
subnet "a" { cidr = "10.0.1.0/24" }
subnet "b" { cidr = "10.0.1.128/25" }
subnet "c" { cidr = "10.1.0.0/24" }
subnet "d" { cidr = "10.0.8.0/30" }
