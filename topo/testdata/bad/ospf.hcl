lab "ospf" {}
autonomous_system "rip" {
  asn = 64500
  ospf {}
}
autonomous_system "core" {
  asn = 64501
  igp = "ospf"
  ospf {
    stub_areas   = [0, "0.0.0.1", 1, "1.2.3"]
    auth         = { type = "sha", key = "k" }
    redistribute = ["bgp", "ospf"]
  }
}
autonomous_system "edge" {
  asn = 64502
  igp = "ospf"
  ospf {
    auth = { type = "simple", key = "longer-than-8", key_id = 300 }
  }
}
router "r1" { as = "core" }
router "r2" { as = "core" }
router "r3" { as = "rip" }
router "r4" { as = "rip" }
router "r5" { as = "edge" }
switch "lan" { subnet = "10.5.0.0/24" }
link "r1" "r2" {
  ospf {
    area = "1.2.3"
    cost = 0
  }
}
link "r1" "r2" {
  ospf { cost = 70000 }
}
link "r3" "r4" {
  ospf { area = 1 }
}
link "r1" "r5" {
  ospf { cost = 5 }
}
link "r1" "lan" {
  ospf { area = 2 }
}
link "r2" "lan" {}
