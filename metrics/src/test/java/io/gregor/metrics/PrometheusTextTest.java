package io.gregor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The test parser itself: accepts the spec's example and rejects what Prometheus would. */
class PrometheusTextTest {

    @Test
    void acceptsTheFormatsExample() {
        String page = """
            # HELP http_requests_total The total number of HTTP requests.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1395066363000
            http_requests_total{method="post",code="400"}    3 1395066363000

            # A normal comment.
            msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
            # HELP metric_without_timestamp_and_labels A gauge.
            # TYPE metric_without_timestamp_and_labels gauge
            metric_without_timestamp_and_labels 12.47
            # HELP http_request_duration_seconds A histogram of the request duration.
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{le="0.05"} 24054
            http_request_duration_seconds_bucket{le="0.1"} 33444
            http_request_duration_seconds_bucket{le="+Inf"} 144320
            http_request_duration_seconds_sum 53423
            http_request_duration_seconds_count 144320
            # HELP rpc_duration_seconds A summary of the RPC duration in seconds.
            # TYPE rpc_duration_seconds summary
            rpc_duration_seconds{quantile="0.01"} 3102
            rpc_duration_seconds{quantile="0.99"} 76656
            rpc_duration_seconds_sum 1.7560473e+07
            rpc_duration_seconds_count 2693
            """;
        PrometheusText text = PrometheusText.parse(page);
        assertEquals(3.0, text.value("http_requests_total", "method", "post", "code", "400"));
        assertEquals("C:\\DIR\\FILE.TXT", text.samples("msdos_file_access_time_seconds").get(0).labels().get("path"));
        assertEquals("histogram", text.families.get("http_request_duration_seconds").type);
    }

    @Test
    void rejectsMalformedPages() {
        String[] bad = {
            "no_newline 1",
            "bad-name 1\n",
            "x{a=\"1\",a=\"2\"} 1\n",
            "x{a=1} 1\n",
            "x{a=\"\\t\"} 1\n",
            "x 1\nx 2\n",
            "x one\n",
            "# TYPE x counter\n# TYPE x gauge\nx 1\n",
            "# TYPE x bogus\nx 1\n",
            "x 1\ny 1\nx{a=\"b\"} 1\n",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\n",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 1\n",
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 1\nh_sum 1\n",
            "# TYPE s summary\ns{quantile=\"2\"} 1\ns_count 1\ns_sum 1\n",
            "# TYPE c counter\nc -1\n",
        };
        for (String page : bad)
            assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(page), page);
    }
}
