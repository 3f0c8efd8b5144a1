lab "This_Lab_Has_A_Name_That_Is_Too_Long" {}
autonomous_system "ISP" { asn = 64500 }
autonomous_system "isp" { asn = 64501 }
router "r.1" { as = "isp" }
router "a-router-whose-name-is-longer-than-32" { as = "isp" }
vpc "a-vpc-name-that-is-too-long-xy" {
  cidr           = "10.0.0.0/16"
  edge           = "r.1"
  public_ip_pool = "203.0.113.0/24"
}
