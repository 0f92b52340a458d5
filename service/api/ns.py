"""Every XML namespace the doors read or write, in one place (as zeep's ``ns.py``).

Protocol contracts (operations, fields) stay with their door; only the URIs live here.
"""

# SOAP envelopes, WSDL and XML Schema
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
SOAP_HTTP = "http://schemas.xmlsoap.org/soap/http"  # the WSDL binding's transport URI
WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
WSDL_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML = "http://www.w3.org/XML/1998/namespace"  # xml:lang

# WS-Security UsernameToken
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSSE_PASSWORD_DIGEST = ("http://docs.oasis-open.org/wss/2004/01/"
                        "oasis-200401-wss-username-token-profile-1.0#PasswordDigest")

# The native SOAP API (/soap)
TNS = "urn:smsgw:v1"

# Outlook Mobile Service (/oms, MS-OMS)
OMS = "http://schemas.microsoft.com/office/Outlook/2006/OMS"
OMS_SERVICE_INFO = "http://schemas.microsoft.com/office/Outlook/2006/OMS/serviceInfo"

# smsc.ru (/sys/soap.php): the namespaces smsc's own WSDLs and the clients generated from them
# use. Requests in any of them are accepted and answered in the same one, so no stub needs
# regenerating. Our WSDL declares the one set by SMSGW_SMSC_NAMESPACE (accepted as well).
SMSC_KNOWN = tuple(f"{scheme}://{host}/sys/soap.php"
                   for host in ("smsc.ru", "www.smsc.ru", "smscentre.com", "smsc.ua",
                                "smsc.kz", "smsc.tj", "smsc.uz")
                   for scheme in ("https", "http"))
