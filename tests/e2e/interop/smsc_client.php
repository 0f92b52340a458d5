<?php
// The smsc documentation's PHP usage, unchanged but for the host: php smsc_client.php WSDL_URL
$client = new SoapClient($argv[1], ["cache_wsdl" => WSDL_CACHE_NONE]);
$ret = $client->send_sms(array('login' => 'alex', 'psw' => '123', 'phones' => '79999999999',
                               'mes' => 'Hello world!', 'id' => '', 'sender' => 'ivan', 'time' => 0));
$balance = $client->get_balance(array('login' => 'alex', 'psw' => '123'));
$wrong = $client->get_balance(array('login' => 'alex', 'psw' => 'nope'));
echo json_encode([
    "id" => $ret->sendresult->id, "cnt" => $ret->sendresult->cnt, "cost" => $ret->sendresult->cost,
    "balance" => $ret->sendresult->balance, "error" => $ret->sendresult->error ?? null,
    "get_balance" => $balance->balanceresult->balance,
    "wrong_password_error" => $wrong->balanceresult->error,
]);
