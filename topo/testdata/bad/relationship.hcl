lab "rel" {}
autonomous_system "a" { asn = 65001 }
autonomous_system "b" { asn = 65002 }
router "a1" { as = "a" }
router "a2" { as = "a" }
router "b1" { as = "b" }
host "h" {}
link "a1" "a2" { relationship = "customer" }
link "a1" "h" { relationship = "peer" }
link "a1" "b1" { relationship = "sibling" }
link "a2" "b1" { relationship = "provider" }
