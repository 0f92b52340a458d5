<?php
// PHP SoapClient stub client for tests/e2e/test_wsdl_interop.py.
//
//   php client.php WSDL_URL LOGIN PASSWORD OPERATION [JSON_PARAMS]
//
// OPERATION "describe" prints {"operations": [names]} as the WSDL import produced them.
// Any other OPERATION is called with JSON_PARAMS (an object) and prints {"result": ...},
// or {"fault": {"faultcode", "faultstring", "detail"}} for a SOAP fault. Exit status 0 in
// both cases; anything else (the WSDL does not load, a transport error) is a non-zero exit
// with the error on stderr. Warnings and notices go to stderr too.

error_reporting(E_ALL);
ini_set('display_errors', 'stderr');

[$wsdl, $login, $password, $operation] = array_slice($argv, 1, 4);
$params = json_decode($argv[5] ?? '{}', true, 512, JSON_THROW_ON_ERROR);

$options = [
    'cache_wsdl' => WSDL_CACHE_NONE,
    'exceptions' => true,
    'trace' => true,
    'connection_timeout' => 20,
    // Without it a 1-item list in a response comes back as a bare object, not a list.
    'features' => SOAP_SINGLE_ELEMENT_ARRAYS,
    'login' => $login,
    'password' => $password,
    'authentication' => SOAP_AUTHENTICATION_BASIC,
];

try {
    $client = new SoapClient($wsdl, $options);
} catch (Throwable $e) {
    fwrite(STDERR, 'WSDL import failed: ' . get_class($e) . ': ' . $e->getMessage() . "\n");
    exit(3);
}

function out($value): void {
    echo json_encode($value, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), "\n";
}

if ($operation === 'describe') {
    $names = [];
    foreach ($client->__getFunctions() as $signature) {   // "SendSmsResponse SendSms(SendSms $parameters)"
        if (preg_match('/^\S+\s+(\w+)\(/', $signature, $m)) {
            $names[] = $m[1];
        }
    }
    out(['operations' => $names, 'signatures' => $client->__getFunctions()]);
    exit(0);
}

try {
    $result = $client->__soapCall($operation, [$params]);
    out(['result' => $result]);
} catch (SoapFault $f) {
    if ($client->__getLastResponse() === null || $client->__getLastResponse() === '') {
        // Not a fault the server sent: no response body (connection refused, HTTP error without SOAP).
        fwrite(STDERR, "transport error: {$f->faultcode}: {$f->getMessage()}\n"
               . ($client->__getLastResponseHeaders() ?? '') . "\n");
        exit(4);
    }
    out(['fault' => [
        'faultcode' => $f->faultcode,
        'faultstring' => $f->faultstring,
        'detail' => $f->detail ?? null,
        'http' => strtok($client->__getLastResponseHeaders() ?? '', "\r\n"),
    ]]);
}
