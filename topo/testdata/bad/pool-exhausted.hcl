lab "pool" {}
autonomous_system "aws" { asn = 16509 }
router "edge" { as = "aws" }
vpc "v" {
  cidr           = "10.0.0.0/16"
  edge           = "edge"
  public_ip_pool = "203.0.113.0/29" # .1 to .6 usable
}
subnet "pub" {
  cidr   = "10.0.1.0/24"
  public = true
}
elastic_ip "e1" {}
elastic_ip "e2" {}
instance "a" { subnet = "pub" }
instance "b" { subnet = "pub" }
instance "c" {
  subnet     = "pub"
  elastic_ip = "e1"
}
instance "d" {
  subnet    = "pub"
  public_ip = "none"
}
instance "e" { subnet = "pub" }
instance "f" { subnet = "pub" }
instance "g" { subnet = "pub" } # the fifth auto address: one too many
