lab "noas" {}
router "lonely" {}
