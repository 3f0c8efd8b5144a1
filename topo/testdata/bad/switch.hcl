lab "switches" {}
autonomous_system "a" { asn = 64500 }
autonomous_system "b" { asn = 64501 }
router "r1" { as = "a" }
router "r2" { as = "a" }
router "r3" { as = "b" }
host "h1" {}
host "h2" {}
switch "lan1" { subnet = "10.1.0.0/30" }
switch "lan2" {}
switch "lan3" { subnet = "10.1.0.0/24" }
switch "lan4" { subnet = "10.3.0.0/24" }
link "r1" "lan1" {}
link "r2" "lan1" {}
link "h1" "lan1" {}
link "r1" "lan9" {}
link "lan1" "lan3" {}
link "r1" "lan4" { address = "10.9.0.1" }
link "r2" "lan4" { subnet = "10.3.0.0/24" }
link "h1" "lan4" { address = "10.3.0.255" }
link "r1" "lan4" {}
link "r3" "lan4" {}
link "h2" "r2" { address = "10.4.0.1" }
