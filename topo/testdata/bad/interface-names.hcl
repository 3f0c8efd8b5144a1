lab "ifnames" {}
autonomous_system "isp" { asn = 64500 }
router "r1" { as = "isp" }
router "r2" { as = "isp" }
router "r3" { as = "isp" }
link "r1:a-very-long-interface" "r2" {}
link "r1:up0" "r3" {}
link "r1:up0" "r2:eth0" {}
link "r2:eth/1" "r3:" {}
