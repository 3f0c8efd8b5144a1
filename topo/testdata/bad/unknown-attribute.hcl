lab "attrs" {
  colour = "blue"
}
router "r1" {
  as   = "isp"
  asn  = 64500
}
autonomous_system "isp" { asn = "many" }
