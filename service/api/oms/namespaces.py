"""Namespaces and names of the Outlook Mobile Service protocol (MS-OMS)."""

OMS = "http://schemas.microsoft.com/office/Outlook/2006/OMS"
SERVICE_INFO = "http://schemas.microsoft.com/office/Outlook/2006/OMS/serviceInfo"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
XSD = "http://www.w3.org/2001/XMLSchema"
WSDL_SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
WSDL_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"

# operation -> (request wrapper, its string parameter, response wrapper, its result element)
OPERATIONS = {
    "GetServiceInfo": ("GetServiceInfo", None, "GetServiceInfoResponse", "GetServiceInfoResult"),
    "GetUserInfo": ("GetUserInfo", "xmsUser", "GetUserInfoResponse", "GetUserInfoResult"),
    "DeliverXms": ("DeliverXms", "xmsData", "DeliverXmsResponse", "DeliverXmsResult"),
    "SendXms": ("SendXms", "xmsData", "SendXmsResponse", "SendXmsResult"),
    "DeliverXmsBatch": ("DeliverXmsBatch", "packageXml", "DeliverXmsBatchResponse",
                        "DeliverXmsBatchResult"),
}
