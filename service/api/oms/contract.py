"""The operations of the Outlook Mobile Service protocol (MS-OMS); its namespaces are in api/ns.py."""

# operation -> (request wrapper, its string parameter, response wrapper, its result element)
OPERATIONS = {
    "GetServiceInfo": ("GetServiceInfo", None, "GetServiceInfoResponse", "GetServiceInfoResult"),
    "GetUserInfo": ("GetUserInfo", "xmsUser", "GetUserInfoResponse", "GetUserInfoResult"),
    "DeliverXms": ("DeliverXms", "xmsData", "DeliverXmsResponse", "DeliverXmsResult"),
    "SendXms": ("SendXms", "xmsData", "SendXmsResponse", "SendXmsResult"),
    "DeliverXmsBatch": ("DeliverXmsBatch", "packageXml", "DeliverXmsBatchResponse",
                        "DeliverXmsBatchResult"),
}
