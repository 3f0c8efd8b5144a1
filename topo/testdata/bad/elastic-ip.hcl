lab "eip" {}
autonomous_system "aws" { asn = 16509 }
router "edge" { as = "aws" }
vpc "prod" {
  cidr           = "10.0.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.128/25"
}
subnet "public" { cidr = "10.0.1.0/24" }
elastic_ip "outside" { address = "203.0.113.5" }
elastic_ip "e1" {}
elastic_ip "e2" { address = "203.0.113.200" }
elastic_ip "e3" { address = "203.0.113.200" }
instance "a" {
  subnet     = "public"
  elastic_ip = "e1"
}
instance "b" {
  subnet     = "public"
  elastic_ip = "e1"
}
instance "c" {
  subnet     = "public"
  elastic_ip = "e2"
  public_ip  = "none"
}
