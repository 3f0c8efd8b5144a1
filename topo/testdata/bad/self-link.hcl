lab "selflink" {}
autonomous_system "isp" { asn = 64500 }
router "r1" { as = "isp" }
link "r1" "r1" {}
link "r1:eth0" "r1:eth1" {}
