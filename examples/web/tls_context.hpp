// The HTTPS/WSS server context: PEM files, or a self-signed certificate made at start.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

// cert and key empty: a fresh self-signed ECDSA P-256 certificate for localhost, 127.0.0.1, ::1 and
// "wzp". nullptr with *error set when the files cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert, const std::string& key,
                                                            std::string* error);
