lab "outside" {}
autonomous_system "isp" { asn = 64500 }
router "r1" {
  as = "isp"
  route {
    to  = "10.9.0.0/16"
    via = "192.0.2.77"
  }
}
host "h1" {
  gateway = "198.51.100.1"
}
link "r1" "h1" { subnet = "192.0.2.0/30" }
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "r1"
  public_ip_pool = "203.0.113.0/24"
}
subnet "public" { cidr = "10.0.1.0/24" }
instance "web" {
  subnet     = "public"
  private_ip = "10.0.2.10"
}
