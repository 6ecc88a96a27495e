// Entry script of the jobs pages: the list (/backtests/jobs) or one job (/backtests/jobs/{id}).

import { startDetailsPage } from "./job_details_page.js";
import { startListPage } from "./jobs_list_page.js";

if (document.body.dataset.page === "job-details") startDetailsPage();
else startListPage();
