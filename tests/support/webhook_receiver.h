// WebhookReceiver: an HTTP server on 127.0.0.1 (port 0) that records every
// webhook delivery and answers with whatever status the test sets.
//
// Thread-safe.
#ifndef CXONE_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_
#define CXONE_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
}

namespace cxone::testing {

struct ReceivedWebhook {
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  int answered = 0;  // the status it got
  absl::Time at;
};

class WebhookReceiver {
 public:
  WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;
  ~WebhookReceiver();

  int port() const { return port_; }
  std::string url() const;

  // The status every delivery gets from now on (default 204).
  void AnswerWith(int status);
  // Every delivery waits this long before it is answered.
  void DelayAnswers(absl::Duration delay);
  // Deliveries wait (unanswered) until Release().
  void Hold();
  void Release();

  std::vector<ReceivedWebhook> received() const;
  // Deliveries answered 2xx.
  std::vector<ReceivedWebhook> accepted() const;
  // Their number (cheap), and when the last of them arrived.
  int64_t accepted_count() const;
  absl::Time last_accepted() const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable absl::Mutex mu_;
  int status_ ABSL_GUARDED_BY(mu_) = 204;
  absl::Duration delay_ ABSL_GUARDED_BY(mu_);
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<ReceivedWebhook> received_ ABSL_GUARDED_BY(mu_);
  int64_t accepted_count_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_accepted_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_WEBHOOK_RECEIVER_H_
