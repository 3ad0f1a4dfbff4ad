"""The model case the demo simulates: its centres, channels, services and ticket outcomes, and the
integer codes the simulators use for channels, outcomes and the two hardest services."""

CENTRES = ("seef", "tijjar", "virtual")
CHANNELS = ("walk_in", "phone", "whatsapp", "live_chat", "video_call", "email", "eservices")
SERVICES = ("wage_support", "training_grant", "business_support", "certificate", "account_update",
            "payment_enquiry", "general_enquiry", "appeal")
OUTCOMES = ("completed", "abandoned", "no_show", "transferred", "referred")
WALK, PHONE, WHATSAPP, CHAT, VIDEO, EMAIL, ESERV = range(7)
COMPLETED, ABANDONED, NO_SHOW, TRANSFERRED, REFERRED = range(5)
APPEAL, BUSINESS = SERVICES.index("appeal"), SERVICES.index("business_support")
